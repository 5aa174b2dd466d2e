//! Writes one sample of every document kind into a folder, to convert
//! with LibreOffice and look at: `cargo run -p dvk-docs --example samples -- /tmp/docs`.
//! Also each template starting point, and the decision's filled from it.

use dvk_docs::kinds::fields::TemplateKind;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "docs-samples".into());
    std::fs::create_dir_all(&dir).expect("folder");
    for (name, doc) in dvk_docs::kinds::samples::all() {
        let bytes = dvk_docs::to_docx(&doc).expect("docx");
        std::fs::write(format!("{dir}/{name}.docx"), bytes).expect("write");
    }
    for kind in TemplateKind::ALL {
        let bytes = dvk_docs::to_docx(&kind.starting_point()).expect("docx");
        std::fs::write(format!("{dir}/mau-{}.docx", kind.code()), &bytes).expect("write");
        if kind == TemplateKind::Recognition {
            let data = dvk_docs::kinds::samples::recognition(12).template_data();
            let filled = dvk_docs::template::fill(&bytes, &data).expect("fill");
            std::fs::write(format!("{dir}/mau-{}-dien.docx", kind.code()), filled).expect("write");
        }
    }
}
