//! Input validation errors: they name the file, the row (the line number in the file;
//! the header is line 1), the column and the broken rule.
//!
//! An error may quote the offending cell (truncated to [`MAX_QUOTED_CHARS`]) so a data
//! team can find it: the file is the party's own data on its own machine. Use
//! [`InputError::redacted`] for anything that goes to logs: it leaves the value out.

use std::fmt;
use std::path::PathBuf;

/// Longest quoted cell value in an error message.
pub const MAX_QUOTED_CHARS: usize = 40;

/// The broken rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputErrorKind {
    /// The file could not be read.
    Io(String),
    /// The file has no header line.
    Empty,
    /// The file has a header but no data rows.
    NoRows,
    /// A line is not UTF-8.
    NotUtf8,
    /// A line is longer than the limit.
    LineTooLong {
        /// The limit in bytes.
        max: usize,
    },
    /// A line has more fields than the limit.
    TooManyFields {
        /// The limit.
        max: usize,
    },
    /// The file has more rows than the limit.
    TooManyRows {
        /// The limit.
        max: u64,
    },
    /// The header contains both `,` and `;`.
    AmbiguousDelimiter,
    /// A quoted field is not closed on its line, or text follows a closing quote.
    BadQuoting,
    /// A header column that the schema does not have.
    UnknownColumn,
    /// A header column that appears twice.
    DuplicateColumn,
    /// A column of the schema that the header lacks.
    MissingColumn,
    /// An empty header name.
    EmptyColumnName,
    /// A row with another number of fields than the header.
    FieldCount {
        /// Fields in the header.
        expected: usize,
        /// Fields in this row.
        found: usize,
    },
    /// An empty line between data rows.
    BlankLine,
    /// A required value is empty.
    MissingValue,
    /// Not a whole number (amounts are whole euro cents, no decimals or separators).
    NotAnInteger,
    /// A number outside the column's range.
    OutOfRange {
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
    },
    /// Text longer than the column allows.
    TooLong {
        /// The limit in characters.
        max: u32,
    },
    /// Text with characters outside `A–Z a–z 0–9 . _ -`.
    BadCharacters,
    /// Not a yes/no value.
    NotABool,
    /// Not one of the allowed values.
    NotInEnum {
        /// The allowed values.
        allowed: Vec<String>,
    },
    /// Not nine digits.
    BsnFormat,
    /// Nine digits that fail the 11-test.
    BsnCheck,
    /// A key value that appeared before.
    Duplicate {
        /// The row where it first appeared.
        first_row: u64,
        /// The column where it first appeared.
        first_column: String,
    },
    /// A rule that ties several columns of a row together.
    Inconsistent(String),
    /// A sum over several rows exceeds the column's maximum.
    SumOutOfRange {
        /// The largest allowed sum.
        max: u64,
    },
    /// The file has another number of rows than required.
    RowCount {
        /// Rows required.
        expected: u64,
        /// Rows found.
        found: u64,
    },
}

impl fmt::Display for InputErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use InputErrorKind::*;
        match self {
            Io(e) => write!(f, "cannot read the file: {e}"),
            Empty => write!(f, "the file is empty; the first line must be the header"),
            NoRows => write!(f, "the file has a header but no data rows"),
            NotUtf8 => write!(f, "the line is not valid UTF-8 text"),
            LineTooLong { max } => write!(f, "the line is longer than {max} bytes"),
            TooManyFields { max } => write!(f, "the line has more than {max} fields"),
            TooManyRows { max } => write!(f, "the file has more than {max} rows"),
            AmbiguousDelimiter => write!(
                f,
                "the header contains both `,` and `;`; use one of them as the separator"
            ),
            BadQuoting => write!(
                f,
                "a quoted field is not closed, or text follows its closing quote"
            ),
            UnknownColumn => write!(f, "unknown column: not in this party's input schema"),
            DuplicateColumn => write!(f, "the column appears twice in the header"),
            MissingColumn => write!(f, "required column is missing from the header"),
            EmptyColumnName => write!(f, "empty column name in the header"),
            FieldCount { expected, found } => {
                write!(f, "the row has {found} fields, the header has {expected}")
            }
            BlankLine => write!(f, "empty line between data rows"),
            MissingValue => write!(f, "missing value in a required column"),
            NotAnInteger => write!(
                f,
                "not a whole number of euro cents (digits only: no decimals, signs or separators)"
            ),
            OutOfRange { min, max } => write!(f, "outside the allowed range {min}..={max}"),
            TooLong { max } => write!(f, "longer than {max} characters"),
            BadCharacters => write!(f, "only letters, digits, `.`, `_` and `-` are allowed"),
            NotABool => write!(f, "not a yes/no value (use 0 or 1)"),
            NotInEnum { allowed } => write!(f, "not one of: {}", allowed.join(", ")),
            BsnFormat => write!(f, "a BSN has exactly 9 digits"),
            BsnCheck => write!(f, "not a valid BSN: fails the 11-test"),
            Duplicate {
                first_row,
                first_column,
            } => {
                write!(
                    f,
                    "duplicate: the same value appears in row {first_row}, column `{first_column}`"
                )
            }
            Inconsistent(rule) => write!(f, "{rule}"),
            SumOutOfRange { max } => {
                write!(f, "the sum over this BSN's rows of this kind exceeds {max}")
            }
            RowCount { expected, found } => write!(
                f,
                "the file has {found} data rows, the job requires {expected}"
            ),
        }
    }
}

/// A validation error in an input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    /// The file.
    pub file: PathBuf,
    /// The line number (header = 1), if the error is about one line.
    pub row: Option<u64>,
    /// The column, if the error is about one column.
    pub column: Option<String>,
    /// The broken rule.
    pub kind: InputErrorKind,
    /// The offending cell, truncated; never put this in logs.
    pub value: Option<String>,
}

impl InputError {
    pub(crate) fn new(file: &std::path::Path, kind: InputErrorKind) -> InputError {
        InputError {
            file: file.to_path_buf(),
            row: None,
            column: None,
            kind,
            value: None,
        }
    }

    pub(crate) fn at_row(mut self, row: u64) -> InputError {
        self.row = Some(row);
        self
    }

    pub(crate) fn in_column(mut self, column: &str) -> InputError {
        self.column = Some(column.to_string());
        self
    }

    pub(crate) fn with_value(mut self, value: &str) -> InputError {
        let mut quoted: String = value.chars().take(MAX_QUOTED_CHARS).collect();
        if value.chars().count() > MAX_QUOTED_CHARS {
            quoted.push('…');
        }
        self.value = Some(quoted);
        self
    }

    /// The message without the cell value: safe for logs.
    pub fn redacted(&self) -> String {
        self.render(false)
    }

    fn render(&self, with_value: bool) -> String {
        let mut s = self.file.display().to_string();
        if let Some(row) = self.row {
            s.push_str(&format!(", row {row}"));
        }
        if let Some(col) = &self.column {
            s.push_str(&format!(", column `{col}`"));
        }
        s.push_str(": ");
        s.push_str(&self.kind.to_string());
        if let (true, Some(v)) = (with_value, &self.value) {
            s.push_str(&format!(" (value {v:?})"));
        }
        s
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(true))
    }
}

impl std::error::Error for InputError {}
