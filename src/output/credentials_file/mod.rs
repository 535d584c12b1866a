//! `aws-as write`: an identity's temporary credentials in a section of the shared credentials
//! file, for tools that read nothing else.
//!
//! - `model.rs`: the file as lines with their spans; `render(parse(s)) == s` for every text.
//! - `edit.rs`: set or remove keys of one section, every other line written back as it was.

pub mod edit;
pub mod model;
