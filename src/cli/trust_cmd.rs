//! `flowcanvas trust [DIR]`: adds a folder to the trusted folders (the app runs flows in
//! it without restriction), or lists them.

use super::{TrustArgs, EXIT_INVALID, EXIT_OK};
use crate::trust::{TrustList, TRUST_FILE};

/// Exit code (beside those in [`super`]): a `run --restricted` left out nodes that need
/// trust.
pub const EXIT_NEEDS_TRUST: i32 = 3;

/// Adds the folder (or lists the trusted ones); exit 0, or 2 when it cannot.
pub fn trust(args: &TrustArgs) -> i32 {
    let Some(settings) = crate::settings::config_dir() else {
        eprintln!("error: no settings folder: set FLOWCANVAS_CONFIG_DIR, XDG_CONFIG_HOME or HOME");
        return EXIT_INVALID;
    };
    let mut list = TrustList::load(&settings);
    let Some(dir) = &args.dir else {
        if list.folders().is_empty() {
            println!(
                "No trusted folders ({}).",
                settings.join(TRUST_FILE).display()
            );
        }
        for folder in list.folders() {
            println!("{}", folder.display());
        }
        return EXIT_OK;
    };
    if dir.is_file() {
        eprintln!(
            "error: {} is a file: give the folder to trust",
            dir.display()
        );
        return EXIT_INVALID;
    }
    match list.add(dir) {
        Ok(folder) => {
            println!("Trusted {} (and every folder in it).", folder.display());
            EXIT_OK
        }
        Err(err) => {
            eprintln!("error: cannot trust {}: {err}", dir.display());
            EXIT_INVALID
        }
    }
}
