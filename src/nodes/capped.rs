//! Output kept within a size cap: the start and the end of a stream, with a note in the
//! middle saying how much was left out. Used where a node keeps text it cannot bound in
//! advance (a shell command's output), so a flood of output costs bounded memory.

use std::collections::VecDeque;

/// The start and the end of a byte stream, at most `head_limit + tail_limit` bytes in all,
/// and how many bytes came in.
#[derive(Clone, Debug)]
pub struct HeadTail {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    head_limit: usize,
    tail_limit: usize,
    total_bytes: u64,
}

impl HeadTail {
    /// Keeps up to `head_limit` bytes from the start and `tail_limit` bytes from the end.
    pub fn new(head_limit: usize, tail_limit: usize) -> Self {
        Self {
            head: Vec::new(),
            tail: VecDeque::new(),
            head_limit,
            tail_limit,
            total_bytes: 0,
        }
    }

    /// Adds the next bytes of the stream.
    pub fn push(&mut self, mut bytes: &[u8]) {
        self.total_bytes += bytes.len() as u64;
        let room = self.head_limit - self.head.len();
        if room > 0 {
            let now = bytes.len().min(room);
            self.head.extend_from_slice(&bytes[..now]);
            bytes = &bytes[now..];
        }
        if bytes.is_empty() {
            return;
        }
        if bytes.len() >= self.tail_limit {
            self.tail.clear();
            self.tail.extend(&bytes[bytes.len() - self.tail_limit..]);
        } else {
            self.tail.extend(bytes);
            let excess = self.tail.len().saturating_sub(self.tail_limit);
            self.tail.drain(..excess);
        }
    }

    /// How many bytes came in.
    pub fn total_bytes(&self) -> u64 {
        self.total_bytes
    }

    /// How many bytes were left out.
    pub fn cut_bytes(&self) -> u64 {
        self.total_bytes - (self.head.len() + self.tail.len()) as u64
    }

    /// The kept text (invalid UTF-8 replaced), with a line saying how much was left out
    /// between the start and the end when anything was.
    pub fn into_text(self) -> String {
        let cut = self.cut_bytes();
        let mut bytes = self.head;
        if cut > 0 {
            // Characters split by a cut end up as U+FFFD on their side of the note.
            bytes.extend_from_slice(cut_note(cut).as_bytes());
        }
        bytes.extend(self.tail);
        match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
        }
    }
}

/// The line that stands for the bytes left out of the middle of a capped text.
pub fn cut_note(cut_bytes: u64) -> String {
    format!("\n[… {cut_bytes} bytes cut here (output too long) …]\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_output_is_kept_whole() {
        let mut kept = HeadTail::new(8, 8);
        kept.push(b"hello ");
        kept.push(b"world");
        assert_eq!(kept.cut_bytes(), 0);
        assert_eq!(kept.into_text(), "hello world");
    }

    #[test]
    fn long_output_keeps_head_and_tail_and_says_how_much_was_cut() {
        let mut kept = HeadTail::new(4, 6);
        for chunk in ["0123", "456789", "abcdef", "ghij", "klmnopqrstuvwxyz"] {
            kept.push(chunk.as_bytes());
        }
        assert_eq!(kept.total_bytes(), 36);
        assert_eq!(kept.cut_bytes(), 26);
        assert_eq!(kept.into_text(), format!("0123{}uvwxyz", cut_note(26)));
    }

    #[test]
    fn a_chunk_larger_than_the_tail_keeps_its_end() {
        let mut kept = HeadTail::new(2, 3);
        kept.push(b"ab");
        kept.push(b"cd");
        kept.push(b"efghijk");
        assert_eq!(kept.into_text(), format!("ab{}ijk", cut_note(6)));
    }
}
