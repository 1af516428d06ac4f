//! What the Outputs drawer and the results window do with a result besides showing it:
//! save it to a file, open its folder, and name it.

use std::path::{Path, PathBuf};

use crate::fsutil::atomic_write;

/// What saving a result writes.
#[derive(Clone, Debug, PartialEq)]
pub enum SaveContent {
    /// The result's text.
    Text(String),
    /// A copy of the file the result names.
    File(PathBuf),
    /// An image, written as PNG.
    Image(crate::model::ImageData),
}

/// Writes a result to `dest`: text atomically, a file as a copy.
pub fn write_result(dest: &Path, content: &SaveContent) -> Result<(), String> {
    match content {
        SaveContent::Text(text) => atomic_write(dest, text.as_bytes())
            .map_err(|err| format!("could not write {}: {err}", dest.display())),
        SaveContent::Image(image) => image.to_png().and_then(|png| {
            atomic_write(dest, &png)
                .map_err(|err| format!("could not write {}: {err}", dest.display()))
        }),
        SaveContent::File(source) => std::fs::copy(source, dest).map(|_| ()).map_err(|err| {
            format!(
                "could not copy {} to {}: {err}",
                source.display(),
                dest.display()
            )
        }),
    }
}

/// A file name to suggest for saving a result of `node` from run number `run`.
pub fn suggested_name(node: &str, run: Option<usize>, content: &SaveContent) -> String {
    match content {
        SaveContent::File(path) => path.file_name().map_or_else(
            || format!("{node}.out"),
            |n| n.to_string_lossy().into_owned(),
        ),
        SaveContent::Text(_) | SaveContent::Image(_) => {
            let extension = if matches!(content, SaveContent::Image(_)) {
                "png"
            } else {
                "txt"
            };
            match run {
                Some(run) => format!("{node}-run{run}.{extension}"),
                None => format!("{node}.{extension}"),
            }
        }
    }
}

/// The folder to show for a file result: the file's folder (the file itself may be gone).
pub fn folder_of(file: &Path) -> PathBuf {
    if file.is_dir() {
        return file.to_path_buf();
    }
    match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_files_are_saved() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.txt");
        write_result(&dest, &SaveContent::Text("hello".into())).unwrap();
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "hello");
        let copy = dir.path().join("copy.txt");
        write_result(&copy, &SaveContent::File(dest.clone())).unwrap();
        assert_eq!(std::fs::read_to_string(&copy).unwrap(), "hello");
        let image = crate::model::ImageData::new(1, 1, vec![1, 2, 3, 255]).unwrap();
        let png = dir.path().join("image.png");
        write_result(&png, &SaveContent::Image(image.clone())).unwrap();
        let read = crate::model::ImageData::decode(&std::fs::read(&png).unwrap()).unwrap();
        assert_eq!(read, image);
        let err = write_result(&copy, &SaveContent::File(dir.path().join("gone"))).unwrap_err();
        assert!(err.contains("gone"), "{err}");
    }

    #[test]
    fn names_and_folders() {
        assert_eq!(
            suggested_name("report", Some(3), &SaveContent::Text(String::new())),
            "report-run3.txt"
        );
        assert_eq!(
            suggested_name("save", None, &SaveContent::File("/x/notes.md".into())),
            "notes.md"
        );
        assert_eq!(
            folder_of(Path::new("/tmp/x/notes.md")),
            PathBuf::from("/tmp/x")
        );
    }
}
