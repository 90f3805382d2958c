//! DynamoDB store adapter.
