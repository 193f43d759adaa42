//! One error type for import, pack, plan and run. Every variant names what is wrong
//! (file, tensor or node name, shapes) so a user can act on it without a debugger.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug)]
pub enum Error {
    /// Reading or writing a file failed.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A PyTorch `.pth`/`.pt` file (zip + pickle) is malformed or uses something we refuse.
    Torch { file: String, msg: String },
    /// A `.safetensors` file is malformed.
    Safetensors { file: String, msg: String },
    /// A `.npy` file is malformed or not float32.
    Npy { file: String, msg: String },
    /// A weight pack is truncated, corrupt, or of another version.
    Pack { file: String, msg: String },
    /// A state_dict does not describe a network we know (missing key, wrong shape, ...).
    Model { msg: String },
    /// A tensor has a shape other than the one the model needs.
    Shape {
        what: String,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
    /// The planner cannot plan this graph for this input.
    Plan { node: String, msg: String },
    /// Bad command-line or API usage.
    Usage(String),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
    pub fn model(msg: impl Into<String>) -> Self {
        Error::Model { msg: msg.into() }
    }
    pub fn plan(node: impl Into<String>, msg: impl Into<String>) -> Self {
        Error::Plan {
            node: node.into(),
            msg: msg.into(),
        }
    }
    pub fn pack(file: impl Into<String>, msg: impl Into<String>) -> Self {
        Error::Pack {
            file: file.into(),
            msg: msg.into(),
        }
    }
}

fn dims(d: &[usize]) -> String {
    let v: Vec<String> = d.iter().map(|x| x.to_string()).collect();
    format!("[{}]", v.join(", "))
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "{}: {}", path.display(), source),
            Error::Torch { file, msg } => write!(f, "{file}: PyTorch file: {msg}"),
            Error::Safetensors { file, msg } => write!(f, "{file}: safetensors: {msg}"),
            Error::Npy { file, msg } => write!(f, "{file}: npy: {msg}"),
            Error::Pack { file, msg } => write!(f, "{file}: weight pack: {msg}"),
            Error::Model { msg } => write!(f, "model: {msg}"),
            Error::Shape {
                what,
                expected,
                found,
            } => write!(
                f,
                "{what}: expected shape {}, found {}",
                dims(expected),
                dims(found)
            ),
            Error::Plan { node, msg } => write!(f, "plan: node {node}: {msg}"),
            Error::Usage(msg) => write!(f, "{msg}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
