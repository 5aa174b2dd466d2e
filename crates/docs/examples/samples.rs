//! Writes one sample of every document kind into a folder, to convert
//! with LibreOffice and look at: `cargo run -p dvk-docs --example samples -- /tmp/docs`.

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "docs-samples".into());
    std::fs::create_dir_all(&dir).expect("folder");
    for (name, doc) in dvk_docs::kinds::samples::all() {
        let bytes = dvk_docs::to_docx(&doc).expect("docx");
        std::fs::write(format!("{dir}/{name}.docx"), bytes).expect("write");
    }
}
