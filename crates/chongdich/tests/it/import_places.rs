//! `chongdich import --kind venues|checkins`: a district's venue list, then check-ins
//! another system exported at one of those venues, each imported once.

use crate::{run, stderr, stdout, temp_sqlite};

fn file(name: &str, text: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("chongdich-cli-{}-{name}", std::process::id()));
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn venues_and_checkins_are_imported_from_the_command_line() {
    let (db, _file) = temp_sqlite("import-places");
    let ok = run(
        &[
            "user",
            "add",
            "--db",
            &db,
            "--username",
            "phucxa",
            "--role",
            "commune_officer",
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
        "places-f0.csv",
        "Họ tên,CCCD,Xã/Phường,Quận/Huyện,Ngày lấy mẫu,Kết quả\n\
         Nguyễn Văn An,001085000001,Phúc Xá,Ba Đình,15/11/2021,Dương tính\n",
    );
    assert!(import("cases", &cases).status.success());
    let venues = file(
        "venues.csv",
        "Tên địa điểm,Loại,Xã/Phường,Quận/Huyện\nChợ Phúc Xá,Chợ,Phúc Xá,Ba Đình\n",
    );
    let o = import("venues", &venues);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("1 venues registered"), "{}", stdout(&o));
    // An hour ago on the machine's clock: within the check-in window.
    let t = chrono::Utc::now() - chrono::Duration::hours(1);
    let checkins = file(
        "checkins.csv",
        &format!(
            "CCCD,Địa điểm,Xã/Phường,Quận/Huyện,Giờ vào\n\
             001085000001,Chợ Phúc Xá,Phúc Xá,Ba Đình,{}\n",
            t.to_rfc3339()
        ),
    );
    let o = import("checkins", &checkins);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("1 check-ins recorded"),
        "{}",
        stdout(&o)
    );
    let o = import("checkins", &checkins);
    assert!(stdout(&o).contains("imported before"), "{}", stdout(&o));
    for p in [cases, venues, checkins] {
        let _ = std::fs::remove_file(p);
    }
}
