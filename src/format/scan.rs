//! A cursor over `.flow` text for the fast reader: whitespace, punctuation, words, strings
//! and numbers in their plainest forms. Anything else (comments, escapes, exponents, number
//! suffixes, ...) makes a step answer `None`, and the caller hands the text to RON.

use std::borrow::Cow;

/// A position in `.flow` text, moved forward token by token.
pub(super) struct Scan<'a> {
    text: &'a str,
    pos: usize,
}

/// A number literal as written: `-?(0|[1-9][0-9]*)(\.[0-9]+([eE][-+]?[0-9]+)?)?`, nothing
/// after it that could continue a number or a word.
pub(super) struct Number<'a> {
    /// The literal, sign included.
    pub text: &'a str,
    /// Whether it has a fractional part (RON then reads it as a float, with the standard
    /// library's parser).
    pub fraction: bool,
}

impl<'a> Scan<'a> {
    /// A cursor at the start of `text`.
    pub fn new(text: &'a str) -> Self {
        Self { text, pos: 0 }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes().get(self.pos) {
            self.pos += 1;
        }
    }

    /// The next byte after whitespace, not consumed.
    pub fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.bytes().get(self.pos).copied()
    }

    /// Whether only whitespace is left.
    pub fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    /// Consumes `byte` if it comes next (after whitespace).
    pub fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consumes `byte`, which must come next (after whitespace).
    pub fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    /// Consumes `byte`, which must come right here, with no whitespace before it.
    pub fn expect_adjacent(&mut self, byte: u8) -> Option<()> {
        (self.bytes().get(self.pos) == Some(&byte)).then(|| self.pos += 1)
    }

    /// A word of ASCII letters, digits and `_` (not starting with a digit).
    pub fn word(&mut self) -> Option<&'a str> {
        self.skip_ws();
        let start = self.pos;
        let first = *self.bytes().get(start)?;
        if !(first.is_ascii_alphabetic() || first == b'_') {
            return None;
        }
        let len = self.bytes()[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        // A word running on into other letters (`é`) or a raw identifier (`r#x`) is not
        // one this reader knows.
        if let Some(&next) = self.bytes().get(start + len) {
            if !next.is_ascii() || next == b'#' || next == b'"' {
                return None;
            }
        }
        self.pos = start + len;
        Some(&self.text[start..start + len])
    }

    /// A string: `"…"` without escapes, or a raw string `r#"…"#` (any number of `#`, read
    /// as written).
    pub fn string(&mut self) -> Option<Cow<'a, str>> {
        self.skip_ws();
        let rest = &self.text[self.pos..];
        if let Some(body) = rest.strip_prefix('"') {
            let end = body.find(['"', '\\'])?;
            if body.as_bytes()[end] != b'"' {
                return None;
            }
            self.pos += 1 + end + 1;
            return Some(Cow::Borrowed(&body[..end]));
        }
        let raw = rest.strip_prefix('r')?;
        let hashes = raw.bytes().take_while(|b| *b == b'#').count();
        let body = raw[hashes..].strip_prefix('"')?;
        let fence = &raw[..hashes];
        let end = find_fence(body, fence)?;
        self.pos += 1 + hashes + 1 + end + 1 + hashes;
        Some(Cow::Borrowed(&body[..end]))
    }

    /// A number literal (see [`Number`]).
    pub fn number(&mut self) -> Option<Number<'a>> {
        self.skip_ws();
        let bytes = self.bytes();
        let start = self.pos;
        let mut at = start;
        if bytes.get(at) == Some(&b'-') {
            at += 1;
        }
        let digits = count_digits(&bytes[at..]);
        // No leading zeros (`007`): a form RON may read otherwise.
        if digits == 0 || (digits > 1 && bytes[at] == b'0') {
            return None;
        }
        at += digits;
        let mut fraction = false;
        if bytes.get(at) == Some(&b'.') {
            let decimals = count_digits(&bytes[at + 1..]);
            if decimals == 0 {
                return None;
            }
            at += 1 + decimals;
            fraction = true;
            // An exponent only after a fraction (`1.5e300`, as `{:?}` writes floats): RON
            // reads `1e300` by a fallback of its own.
            if let Some(b'e' | b'E') = bytes.get(at) {
                let sign = usize::from(matches!(bytes.get(at + 1), Some(b'-' | b'+')));
                let exponent = count_digits(&bytes[at + 1 + sign..]);
                if exponent == 0 {
                    return None;
                }
                at += 1 + sign + exponent;
            }
        }
        // An exponent, a suffix (`f32`), an underscore, a second dot, a range: not here.
        if let Some(&next) = bytes.get(at) {
            if next.is_ascii_alphanumeric() || next == b'_' || next == b'.' || !next.is_ascii() {
                return None;
            }
        }
        self.pos = at;
        Some(Number {
            text: &self.text[start..at],
            fraction,
        })
    }
}

fn count_digits(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// Where the first `"` followed by `fence` starts in `body`.
fn find_fence(body: &str, fence: &str) -> Option<usize> {
    let mut from = 0;
    loop {
        let quote = from + body[from..].find('"')?;
        if body[quote + 1..].starts_with(fence) {
            return Some(quote);
        }
        from = quote + 1;
    }
}
