//! Each crate's integration tests stay one binary: a file added directly
//! under a `tests/` directory would become a test binary of its own (one
//! more link of the SDKs and the driver), so it must be a module of that
//! crate's `tests/suite/main.rs` instead.

use std::path::Path;

#[test]
fn integration_tests_are_modules_of_the_suite() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut strays = Vec::new();
    for krate in ["shared", "dev-server"] {
        let tests = root.join(krate).join("tests");
        for entry in std::fs::read_dir(&tests).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if name != "suite" {
                strays.push(format!("{krate}/tests/{name}"));
            }
        }
    }
    assert!(
        strays.is_empty(),
        "move these into the crate's tests/suite/ and declare them in its main.rs: {strays:?}"
    );
}
