//! `chongdich import --kind cases|doses|labs`: an F0 list registers a person, then that
//! person's vaccination list and lab results are imported from the command line, each once.

use crate::{run, stderr, stdout, temp_sqlite};

fn file(name: &str, text: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("chongdich-cli-{}-{name}", std::process::id()));
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn doses_and_lab_results_are_imported_from_the_command_line() {
    let (db, _file) = temp_sqlite("import-kinds");
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
        "f0.csv",
        "Họ tên,CCCD,Xã/Phường,Quận/Huyện,Ngày lấy mẫu,Kết quả\n\
         Nguyễn Văn An,001085000001,Phúc Xá,Ba Đình,15/11/2021,Dương tính\n",
    );
    let o = import("cases", &cases);
    assert!(o.status.success(), "{}", stderr(&o));

    let doses = file(
        "doses.csv",
        "Họ tên,CCCD,Loại vắc xin,Số lô,Ngày tiêm,Mũi tiêm,Nơi tiêm\n\
         Nguyễn Văn An,001085000001,AstraZeneca,A1234,15/08/2021,1,Phúc Xá\n\
         Nguyễn Văn An,001085000001,Nước lã,,20/09/2021,2,Phúc Xá\n",
    );
    let o = import("doses", &doses);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("line 3: Loại vắc xin — unknown_value"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains("1 doses recorded"), "{}", stdout(&o));
    let o = import("doses", &doses);
    assert!(stdout(&o).contains("imported before"), "{}", stdout(&o));

    let labs = file(
        "labs.csv",
        "Mã mẫu,CCCD,Loại xét nghiệm,Ngày lấy mẫu,Ngày có kết quả,Kết quả\n\
         S1,001085000001,RT-PCR,18/11/2021 08:00,18/11/2021 20:00,Âm tính\n",
    );
    let o = import("labs", &labs);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("1 results added to cases"),
        "{}",
        stdout(&o)
    );

    let o = import("parcels", &labs);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("cases, doses, labs, contacts, venues or checkins"),
        "{}",
        stderr(&o)
    );
    for p in [cases, doses, labs] {
        let _ = std::fs::remove_file(p);
    }
}
