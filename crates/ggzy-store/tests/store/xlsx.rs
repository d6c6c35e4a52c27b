//! The bank-statement workbook reader against hostile workbooks built by the fixtures: limits
//! hold just inside and refuse just outside, and nothing is built for a sheet's mere claims.

use ggzy_demo::testing::{workbook, zip_bomb_workbook};
use ggzy_store::xlsx::{FIELD, LIMITS, Limits, rows, rows_within};

#[test]
fn a_statement_reads_as_rows() {
    let book = workbook(
        Some("A1:C2"),
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>账号</t></is></c><c r="C1" t="inlineStr"><is><t>金额</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>6222</t></is></c><c r="C2"><v>1500</v></c></row>"#,
    );
    let rows = rows(&book).expect("reads");
    assert_eq!(
        rows,
        vec![vec!["账号", "", "金额"], vec!["6222", "", "1500"]]
    );
}

#[test]
fn a_sheet_claiming_every_cell_of_excel_is_refused_without_building_it() {
    // The reported crash: A1 and XFD1048576, dimension A1:XFD1048576.
    let book = workbook(
        Some("A1:XFD1048576"),
        r#"<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
    );
    assert!(book.len() < 2_000);
    let e = rows(&book).expect_err("refused");
    assert_eq!(
        (e.field.as_str(), e.code),
        (FIELD, "deposit.xlsx_beyond_limits")
    );
    // An empty far corner is only a claim: nothing is built for it.
    let book = workbook(
        Some("A1:XFD1048576"),
        r#"<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"/></row>"#,
    );
    assert_eq!(rows(&book).expect("reads"), vec![vec!["1"]]);
}

#[test]
fn limits_hold_just_inside_and_refuse_just_outside() {
    let l = Limits {
        rows: 3,
        columns: 2,
        cells: 4,
        ..LIMITS
    };
    let cell = |r: u32, c: &str| format!(r#"<c r="{c}{r}"><v>{r}</v></c>"#);
    let inside = format!(
        r#"<row r="1">{}{}</row><row r="3">{}{}</row>"#,
        cell(1, "A"),
        cell(1, "B"),
        cell(3, "A"),
        cell(3, "B")
    );
    assert_eq!(
        rows_within(&workbook(None, &inside), &l)
            .expect("inside")
            .len(),
        2
    );
    for outside in [
        format!(r#"<row r="4">{}</row>"#, cell(4, "A")),
        format!(r#"<row r="1">{}</row>"#, cell(1, "C")),
        format!(r#"{inside}<row r="2">{}</row>"#, cell(2, "A")),
    ] {
        let e = rows_within(&workbook(None, &outside), &l).expect_err("outside");
        assert_eq!(e.code, "deposit.xlsx_beyond_limits", "{outside}");
    }
}

#[test]
fn a_zip_bomb_is_refused_before_the_workbook_is_read() {
    let bomb = zip_bomb_workbook(40);
    assert!(bomb.len() < 400_000, "a small upload: {}", bomb.len());
    let e = rows(&bomb).expect_err("refused");
    assert_eq!(e.code, "deposit.xlsx_beyond_limits");
}
