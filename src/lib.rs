//! aws-as: a venv for AWS IAM identities. See docs/ARCHITECTURE.md for the flow:
//! config → identity chain → MFA → STS → cache → shell dialect.

#[macro_use]
pub mod error;

pub mod activate;
pub mod cache;
pub mod cli;
pub mod config;
pub mod mfa;
pub mod resolve;
pub mod shell;
pub mod sts;
