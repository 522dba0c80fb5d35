//! A small streaming CSV reader for untrusted input files.
//!
//! One record per line (`\n` or `\r\n`), the first line is the header, the separator is
//! `,` or `;` (taken from the header, which must not contain both). A field may be
//! enclosed in double quotes, with `""` for a quote inside; a quoted field cannot span
//! lines. Spaces and tabs around fields are ignored; a UTF-8 byte-order mark before the
//! header is skipped. Empty lines at the end of the file are ignored, empty lines between
//! rows are an error.
//!
//! Bounded: a line longer than [`MAX_LINE_BYTES`], more than [`MAX_FIELDS`] fields or
//! more than [`MAX_ROWS`] rows is an error; the reader holds one line at a time.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use super::error::{InputError, InputErrorKind};

/// Longest line accepted, in bytes.
pub const MAX_LINE_BYTES: usize = 4096;
/// Most fields per line.
pub const MAX_FIELDS: usize = 64;
/// Most data rows per file.
pub const MAX_ROWS: u64 = 50_000_000;

/// Reads records one at a time.
pub struct CsvReader<R> {
    reader: R,
    file: PathBuf,
    line_no: u64,
    rows: u64,
    buf: Vec<u8>,
    delimiter: u8,
    fields: CsvRecord,
    blank_line: Option<u64>,
}

impl<R: BufRead> CsvReader<R> {
    /// A reader over `reader`; `file` names the file in errors.
    pub fn new(reader: R, file: &Path) -> CsvReader<R> {
        CsvReader {
            reader,
            file: file.to_path_buf(),
            line_no: 0,
            rows: 0,
            buf: Vec::with_capacity(256),
            delimiter: b',',
            fields: CsvRecord::default(),
            blank_line: None,
        }
    }

    fn err(&self, kind: InputErrorKind) -> InputError {
        InputError::new(&self.file, kind).at_row(self.line_no)
    }

    /// The separator in use (after [`CsvReader::header`]).
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// Reads the next line into `buf` without its line ending; false at end of file.
    fn read_line(&mut self) -> Result<bool, InputError> {
        self.buf.clear();
        let mut any = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(InputError::new(
                        &self.file,
                        InputErrorKind::Io(e.to_string()),
                    ))
                }
            };
            if available.is_empty() {
                break;
            }
            any = true;
            let (chunk, done) = match available.iter().position(|b| *b == b'\n') {
                Some(i) => (&available[..i], Some(i + 1)),
                None => (available, None),
            };
            if self.buf.len() + chunk.len() > MAX_LINE_BYTES + 1 {
                self.line_no += 1;
                return Err(self.err(InputErrorKind::LineTooLong {
                    max: MAX_LINE_BYTES,
                }));
            }
            self.buf.extend_from_slice(chunk);
            let used = done.unwrap_or(chunk.len());
            self.reader.consume(used);
            if done.is_some() {
                break;
            }
        }
        if !any {
            return Ok(false);
        }
        self.line_no += 1;
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        if self.buf.len() > MAX_LINE_BYTES {
            return Err(self.err(InputErrorKind::LineTooLong {
                max: MAX_LINE_BYTES,
            }));
        }
        Ok(true)
    }

    /// Reads the header line, chooses the separator and returns the column names.
    pub fn header(&mut self) -> Result<Vec<String>, InputError> {
        if !self.read_line()? {
            return Err(InputError::new(&self.file, InputErrorKind::Empty));
        }
        if self.buf.starts_with(b"\xEF\xBB\xBF") {
            self.buf.drain(..3);
        }
        let has_comma = self.buf.contains(&b',');
        let has_semicolon = self.buf.contains(&b';');
        if has_comma && has_semicolon {
            return Err(self.err(InputErrorKind::AmbiguousDelimiter));
        }
        self.delimiter = if has_semicolon { b';' } else { b',' };
        if self.buf.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(InputError::new(&self.file, InputErrorKind::Empty).at_row(self.line_no));
        }
        self.split()?;
        Ok(self.fields.to_vec())
    }

    /// Reads the next data record; returns its line number, or `None` at end of file.
    /// The fields are then in [`CsvReader::fields`].
    pub fn next_record(&mut self) -> Result<Option<u64>, InputError> {
        loop {
            if !self.read_line()? {
                return Ok(None);
            }
            if self.buf.iter().all(|b| *b == b' ' || *b == b'\t') {
                self.blank_line.get_or_insert(self.line_no);
                continue;
            }
            if let Some(blank) = self.blank_line {
                return Err(InputError::new(&self.file, InputErrorKind::BlankLine).at_row(blank));
            }
            self.rows += 1;
            if self.rows > MAX_ROWS {
                return Err(self.err(InputErrorKind::TooManyRows { max: MAX_ROWS }));
            }
            self.split()?;
            return Ok(Some(self.line_no));
        }
    }

    /// The fields of the last record read.
    pub fn fields(&self) -> &CsvRecord {
        &self.fields
    }

    /// Splits `buf` into `fields`.
    fn split(&mut self) -> Result<(), InputError> {
        let line = std::str::from_utf8(&self.buf).map_err(|_| self.err(InputErrorKind::NotUtf8))?;
        let mut fields = std::mem::take(&mut self.fields);
        fields.clear();
        let result = split_line(line, self.delimiter as char, &mut fields);
        self.fields = fields;
        result.map_err(|kind| self.err(kind))
    }
}

/// The fields of one line, unquoted, in one buffer (no allocation per field).
#[derive(Clone, Debug, Default)]
pub struct CsvRecord {
    text: String,
    ends: Vec<usize>,
}

impl CsvRecord {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    fn push(&mut self, field: &str) {
        self.text.push_str(field);
        self.ends.push(self.text.len());
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The fields as owned strings.
    pub fn to_vec(&self) -> Vec<String> {
        (0..self.len()).map(|i| self[i].to_string()).collect()
    }
}

impl std::ops::Index<usize> for CsvRecord {
    type Output = str;

    fn index(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }
}

/// `s` without spaces and tabs at either end.
fn trim_blanks(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// Splits one line into fields (see the module doc for the dialect).
fn split_line(line: &str, delimiter: char, out: &mut CsvRecord) -> Result<(), InputErrorKind> {
    let mut rest = line;
    loop {
        if out.len() == MAX_FIELDS {
            return Err(InputErrorKind::TooManyFields { max: MAX_FIELDS });
        }
        let start = rest.trim_start_matches([' ', '\t']);
        if let Some(quoted) = start.strip_prefix('"') {
            let mut chars = quoted.char_indices();
            let after;
            loop {
                match chars.next() {
                    None => return Err(InputErrorKind::BadQuoting),
                    Some((i, '"')) => {
                        if quoted[i + 1..].starts_with('"') {
                            out.text.push('"');
                            chars.next();
                        } else {
                            after = &quoted[i + 1..];
                            break;
                        }
                    }
                    Some((_, c)) => out.text.push(c),
                }
            }
            let after = after.trim_start_matches([' ', '\t']);
            out.ends.push(out.text.len());
            if after.is_empty() {
                return Ok(());
            }
            match after.strip_prefix(delimiter) {
                Some(r) => rest = r,
                None => return Err(InputErrorKind::BadQuoting),
            }
        } else {
            match start.find(delimiter) {
                Some(i) => {
                    out.push(trim_blanks(&start[..i]));
                    rest = &start[i + delimiter.len_utf8()..];
                }
                None => {
                    out.push(trim_blanks(start));
                    return Ok(());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str, d: char) -> Result<Vec<String>, InputErrorKind> {
        let mut v = CsvRecord::default();
        split_line(line, d, &mut v).map(|_| v.to_vec())
    }

    #[test]
    fn dialect() {
        assert_eq!(split("a,b,c", ',').unwrap(), ["a", "b", "c"]);
        assert_eq!(split(" a ; b ;", ';').unwrap(), ["a", "b", ""]);
        assert_eq!(
            split("\"x,y\",\"say \"\"hi\"\"\"", ',').unwrap(),
            ["x,y", "say \"hi\""]
        );
        assert_eq!(split("", ',').unwrap(), [""]);
        assert_eq!(split("\"open", ','), Err(InputErrorKind::BadQuoting));
        assert_eq!(split("\"a\"b,c", ','), Err(InputErrorKind::BadQuoting));
        assert!(matches!(
            split(&",".repeat(100), ','),
            Err(InputErrorKind::TooManyFields { .. })
        ));
    }

    #[test]
    fn long_lines_are_refused_without_reading_them_whole() {
        let data = format!("a,b\n{}\n", "x".repeat(10 * MAX_LINE_BYTES));
        let mut r = CsvReader::new(data.as_bytes(), Path::new("f.csv"));
        r.header().unwrap();
        let e = r.next_record().unwrap_err();
        assert_eq!(
            e.kind,
            InputErrorKind::LineTooLong {
                max: MAX_LINE_BYTES
            }
        );
        assert_eq!(e.row, Some(2));
    }

    #[test]
    fn crlf_bom_and_trailing_blank_lines() {
        let data = "\u{feff}a;b\r\n1;2\r\n\r\n\n";
        let mut r = CsvReader::new(data.as_bytes(), Path::new("f.csv"));
        assert_eq!(r.header().unwrap(), ["a", "b"]);
        assert_eq!(r.next_record().unwrap(), Some(2));
        assert_eq!(r.fields().to_vec(), ["1", "2"]);
        assert_eq!(r.next_record().unwrap(), None);
    }
}
