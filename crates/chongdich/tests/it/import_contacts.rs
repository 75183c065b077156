//! `chongdich import --kind contacts`: an F1 list recorded against the case an F0 list
//! made, once.

use crate::{run, stderr, stdout, temp_sqlite};

fn file(name: &str, text: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("chongdich-f1-{}-{name}", std::process::id()));
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn an_f1_list_is_imported_from_the_command_line() {
    let (db, _file) = temp_sqlite("import-contacts");
    let ok = run(
        &[
            "user",
            "add",
            "--db",
            &db,
            "--username",
            "phucxa",
            "--role",
            "tracer",
            "--unit",
            "00001",
        ],
        Some("một mật khẩu dài\n"),
    );
    assert!(ok.status.success(), "{}", stderr(&ok));
    let import = |kind: &str, path: &std::path::Path| {
        run(
            &[
                "import",
                "--db",
                &db,
                "--as",
                "phucxa",
                "--kind",
                kind,
                path.to_str().unwrap(),
            ],
            None,
        )
    };
    let cases = file(
        "f0.csv",
        "Họ tên,CCCD,Xã/Phường,Quận/Huyện,Ngày lấy mẫu,Kết quả\n\
         Nguyễn Văn An,001085000001,Phúc Xá,Ba Đình,15/11/2021,Dương tính\n",
    );
    let o = import("cases", &cases);
    assert!(o.status.success(), "{}", stderr(&o));
    let f1 = file(
        "f1.csv",
        "Họ tên F0,CCCD F0,Họ tên,Năm sinh,CCCD,Xã/Phường,Quận/Huyện,Ngày tiếp xúc cuối,Mối quan hệ\n\
         Nguyễn Văn An,001085000001,Nguyễn Thị Vợ,1987,001187000002,Phúc Xá,Ba Đình,14/11/2021,Vợ\n\
         Nguyễn Văn An,001085000009,Người Lạ,1990,,Phúc Xá,Ba Đình,14/11/2021,\n",
    );
    let o = import("contacts", &f1);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("line 3: CCCD F0 — not_found"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains("1 contacts recorded"), "{}", stdout(&o));
    let o = import("contacts", &f1);
    assert!(stdout(&o).contains("imported before"), "{}", stdout(&o));
    for p in [cases, f1] {
        let _ = std::fs::remove_file(p);
    }
}
