//! Integration tests of the xsite REPL.
