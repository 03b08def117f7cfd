#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_yaml::{Limits, parse_stream};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let limits = Limits {
        max_nodes: 100_000,
        ..Limits::default()
    };
    let stream = parse_stream(text, &limits);
    for error in &stream.errors {
        assert!(error.range.start <= error.range.end && error.range.end <= text.len());
        assert!(text.is_char_boundary(error.range.start));
    }
    for doc in &stream.documents {
        assert!(doc.range.end <= text.len());
        let _ = doc.root.to_json();
        for pointer in ["", "/a", "/0", "/spec/containers/0/securityContext", "/a~1b/~0"] {
            let located = doc.locate(pointer);
            assert!(located.value.end <= text.len());
            assert!(text.is_char_boundary(located.value.start) && text.is_char_boundary(located.value.end));
            if located.exact {
                assert!(doc.root.pointer(pointer).is_some());
            }
        }
    }
});
