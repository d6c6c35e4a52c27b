use super::*;

/// The flags of a file of compiled releases, as JSON.
fn flags_with(settings: Settings, lines: &[&str]) -> String {
    let mut e = Engine::new(settings);
    for l in lines {
        let r: Release = serde_json::from_str(l).expect("release");
        e.add(&r);
    }
    let mut f = e.finish();
    f.meta.clear();
    serde_json::to_string(&f).expect("json")
}

/// Settings computing one indicator, as the examples with their own settings file do.
fn only(ini: &str) -> Settings {
    Settings::parse(ini).expect("settings")
}

fn flags(lines: &[&str]) -> String {
    flags_with(Settings::default(), lines)
}

// Each indicator's demonstration in Cardinal's documentation (RED_FLAGS.md), reproduced, and
// the nearest case that must stay silent.

#[test]
fn r003_short_submission_period() {
    let one_day = r#"{"ocid":"F","tender":{"tenderPeriod":{"startDate":"2020-08-03T18:00:00-05:00","endDate":"2020-08-04T18:00:00-05:00"}}}"#;
    assert_eq!(flags(&[one_day]), r#"{"OCID":{"F":{"R003":1.0}}}"#);
    let fifteen = r#"{"ocid":"F","tender":{"tenderPeriod":{"startDate":"2020-08-03T18:00:00-05:00","endDate":"2020-08-18T18:00:00-05:00"}}}"#;
    assert_eq!(flags(&[fifteen]), "{}", "15 whole days is not short");
    let fourteen = r#"{"ocid":"F","tender":{"tenderPeriod":{"startDate":"2020-08-03T18:00:00-05:00","endDate":"2020-08-18T17:59:59-05:00"}}}"#;
    assert_eq!(flags(&[fourteen]), r#"{"OCID":{"F":{"R003":1.0}}}"#);
    // A statute's own minimum per method details.
    let s = Settings::parse("[R003]\n[R003.procurement_method_details]\nCotización = 1\n")
        .expect("settings");
    let quote = r#"{"ocid":"F","tender":{"procurementMethodDetails":"Cotización","tenderPeriod":{"startDate":"2020-08-03T18:00:00-05:00","endDate":"2020-08-04T18:00:00-05:00"}}}"#;
    assert_eq!(flags_with(s, &[quote]), "{}");
}

#[test]
fn r018_single_bid_received() {
    let one = r#"{"ocid":"F","tender":{"numberOfTenderers":1,"procurementMethod":"open"}}"#;
    assert_eq!(flags(&[one]), r#"{"OCID":{"F":{"R018":1.0}}}"#);
    let two = r#"{"ocid":"F","tender":{"numberOfTenderers":2,"procurementMethod":"open"}}"#;
    let direct = r#"{"ocid":"G","tender":{"numberOfTenderers":1,"procurementMethod":"direct"}}"#;
    assert_eq!(flags(&[two, direct]), "{}");
}

#[test]
fn r028_identical_bid_prices() {
    let same = r#"{"ocid":"F","bids":{"details":[{"status":"valid","value":{"amount":1,"currency":"USD"},"tenderers":[{"id":"V"}]},{"status":"disqualified","value":{"amount":1,"currency":"USD"},"tenderers":[{"id":"D"}]}]}}"#;
    assert_eq!(
        flags(&[same]),
        r#"{"OCID":{"F":{"R028":1.0}},"Tenderer":{"D":{"R028":1.0},"V":{"R028":1.0}}}"#
    );
    // The same tenderer twice at its own price, or another currency, is no collusion sign.
    let own = r#"{"ocid":"F","bids":{"details":[{"value":{"amount":1,"currency":"USD"},"tenderers":[{"id":"V"}]},{"value":{"amount":1,"currency":"USD"},"tenderers":[{"id":"V"}]},{"value":{"amount":1,"currency":"EUR"},"tenderers":[{"id":"D"}]}]}}"#;
    assert_eq!(flags(&[own]), "{}");
    // A withdrawn bid was never submitted.
    let withdrawn = r#"{"ocid":"F","bids":{"details":[{"status":"valid","value":{"amount":1,"currency":"USD"},"tenderers":[{"id":"V"}]},{"status":"withdrawn","value":{"amount":1,"currency":"USD"},"tenderers":[{"id":"D"}]}]}}"#;
    assert_eq!(flags(&[withdrawn]), "{}");
}

#[test]
fn r030_late_bid_won() {
    let late = r#"{"ocid":"F","bids":{"details":[{"status":"valid","date":"2000-04-01T00:00:00Z","tenderers":[{"id":"W"}]}]},"tender":{"tenderPeriod":{"endDate":"2000-03-15T00:00:00Z"}},"awards":[{"status":"active","suppliers":[{"id":"W"}]}]}"#;
    assert_eq!(
        flags_with(only("[R030]\n"), &[late]),
        r#"{"OCID":{"F":{"R030":1.0}},"Tenderer":{"W":{"R030":1.0}}}"#
    );
    let on_time = late.replace("2000-04-01", "2000-03-15");
    let lost = late.replace(r#""suppliers":[{"id":"W"}]"#, r#""suppliers":[{"id":"X"}]"#);
    assert_eq!(flags_with(only("[R030]\n"), &[&on_time, &lost]), "{}");
}

#[test]
fn r035_all_except_winning_bid_disqualified() {
    let one = r#"{"ocid":"F","bids":{"details":[{"status":"disqualified","tenderers":[{"id":"D"}]},{"status":"valid","tenderers":[{"id":"V"}]}]},"awards":[{"status":"active","suppliers":[{"id":"V"}]}]}"#;
    assert_eq!(
        flags_with(only("[R035]\n"), &[one]),
        r#"{"OCID":{"F":{"R035":1.0}},"Tenderer":{"V":{"R035":0.0}}}"#
    );
    // Two valid tenderers, a pending award, or a threshold of 2: silent.
    let two_valid = one.replace(r#""status":"disqualified""#, r#""status":"valid""#);
    let pending = one.replace(r#"[{"status":"active""#, r#"[{"status":"pending""#);
    assert_eq!(flags_with(only("[R035]\n"), &[&two_valid, &pending]), "{}");
    let s = Settings::parse("[R035]\nthreshold = 2 # two others\n").expect("settings");
    assert_eq!(flags_with(s, &[one]), "{}");
}

#[test]
fn r036_lowest_bid_disqualified() {
    let lowest = r#"{"ocid":"F","bids":{"details":[{"status":"disqualified","value":{"amount":1,"currency":"USD"}},{"status":"valid","value":{"amount":2,"currency":"USD"}}]},"awards":[{"status":"active"}]}"#;
    assert_eq!(flags(&[lowest]), r#"{"OCID":{"F":{"R036":1.0}}}"#);
    let higher = lowest.replace(r#""amount":1"#, r#""amount":3"#);
    let no_award = lowest.replace(r#""status":"active""#, r#""status":"pending""#);
    assert_eq!(flags(&[&higher, &no_award]), "{}");
}

#[test]
fn exclusions_and_lenient_reading() {
    let s = Settings::parse("[exclusions]\nprocurement_method_details = Compra Directa\n[R018]\n")
        .expect("settings");
    let excluded = r#"{"ocid":"F","tender":{"procurementMethodDetails":"Compra Directa","numberOfTenderers":1,"procurementMethod":"open"}}"#;
    let cancelled = r#"{"ocid":"G","tender":{"status":"cancelled","numberOfTenderers":1,"procurementMethod":"open"}}"#;
    let no_ocid = r#"{"ocid":7,"tender":{"numberOfTenderers":1,"procurementMethod":"open"}}"#;
    // A field of the wrong type is absent, not the end of the release.
    let odd = r#"{"ocid":"H","tender":{"numberOfTenderers":1,"procurementMethod":"open","tenderPeriod":"soon"},"bids":"none","awards":[1,{"status":"active"}]}"#;
    let mut e = Engine::new(s);
    for l in [excluded, cancelled, no_ocid, odd] {
        e.add(&serde_json::from_str(l).expect("release"));
    }
    assert_eq!((e.read, e.excluded), (4, 3));
    assert_eq!(
        serde_json::to_string(&e.finish()).expect("json"),
        r#"{"OCID":{"H":{"R018":1.0}}}"#
    );
}

#[test]
fn a_settings_file_names_what_is_computed() {
    let s = Settings::parse("currency = USD\n[R003]\nthreshold = 10\n").expect("settings");
    assert_eq!(s.indicators, BTreeSet::from([Code::R003]));
    assert_eq!((s.currency.as_deref(), s.r003.threshold), (Some("USD"), 10));
    for (text, line) in [
        ("[R099]\n", "settings:1"),
        ("[R003]\nthreshold = soon\n", "settings:2"),
        ("[R003]\nwindow = 3\n", "settings:2"),
        ("[R003]\nthreshold\n", "settings:2"),
    ] {
        assert_eq!(Settings::parse(text).expect_err(text).field, line, "{text}");
    }
}

/// Five processes each won by W at 1 against L: at 2 in F, at 100 in the others.
fn second_prices(f: u32, others: u32) -> Vec<String> {
    ["F", "1", "2", "3", "4"]
        .iter()
        .map(|ocid| {
            let l = if *ocid == "F" { f } else { others };
            format!(
                r#"{{"ocid":"{ocid}","bids":{{"details":[{{"status":"valid","tenderers":[{{"id":"W"}}],"value":{{"amount":1,"currency":"USD"}}}},{{"status":"valid","tenderers":[{{"id":"L"}}],"value":{{"amount":{l},"currency":"USD"}}}}]}},"awards":[{{"status":"active","suppliers":[{{"id":"W"}}]}}]}}"#
            )
        })
        .collect()
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn r024_price_close_to_winning_bid() {
    let close = second_prices(2, 100);
    assert_eq!(
        flags_with(only("[R024]\n"), &refs(&close)),
        r#"{"OCID":{"F":{"R024":1.0}},"Tenderer":{"L":{"R024":0.0},"W":{"R024":0.0}}}"#
    );
    // A fixed threshold: F's ratio of 1 is flagged at 1 and not at 0.99.
    let at = |t: &str| flags_with(only(&format!("[R024]\nthreshold = {t}\n")), &refs(&close));
    assert!(
        at("1").starts_with(r#"{"OCID":{"F":{"R024":1.0}}"#),
        "{}",
        at("1")
    );
    assert_eq!(at("0.99"), "{}");
    // Nobody bid against the winner: no ratio, no flag.
    let alone = r#"{"ocid":"F","bids":{"details":[{"status":"valid","tenderers":[{"id":"W"}],"value":{"amount":1,"currency":"USD"}}]},"awards":[{"status":"active","suppliers":[{"id":"W"}]}]}"#;
    assert_eq!(flags_with(only("[R024]\n"), &[alone]), "{}");
}

#[test]
fn r058_heavily_discounted_bid() {
    let far = second_prices(100, 2);
    assert_eq!(
        flags_with(Settings::default(), &refs(&far)),
        r#"{"OCID":{"F":{"R058":99.0}},"Tenderer":{"W":{"R058":0.0}}}"#
    );
    // The fences used are reported: Q1 1, Q3 1 + (99 − 1)/3, upper fence Q3 + 1.5·IQR.
    let mut e = Engine::new(only("[R058]\n"));
    for l in &far {
        e.add(&serde_json::from_str(l).expect("release"));
    }
    let meta = &e.finish().meta[&Code::R058];
    assert_eq!(meta["q1"], 1.0);
    assert!((meta["q3"] - (1.0 + 98.0 / 3.0)).abs() < 1e-9, "{meta:?}");
    assert!((meta["upper_fence"] - (1.0 + 98.0 / 3.0) * 2.5 + 1.5).abs() < 1e-9);
    // A fixed threshold above the ratio: silent.
    assert_eq!(
        flags_with(only("[R058]\nthreshold = 100\n"), &refs(&far)),
        "{}"
    );
}

#[test]
fn r025_excessive_unsuccessful_bids() {
    let mut lines = vec![
        r#"{"ocid":"0","bids":{"details":[{"status":"valid","tenderers":[{"id":"F"}]}]},"awards":[{"status":"active","suppliers":[{"id":"F"}]}]}"#.to_string(),
    ];
    for n in 1..=5 {
        lines.push(format!(
            r#"{{"ocid":"{n}","bids":{{"details":[{{"status":"valid","tenderers":[{{"id":"F"}}]}},{{"status":"valid","tenderers":[{{"id":"{n}"}}]}}]}},"awards":[{{"status":"active","suppliers":[{{"id":"{n}"}}]}}]}}"#
        ));
    }
    assert_eq!(
        flags_with(only("[R025]\n"), &refs(&lines)),
        r#"{"Tenderer":{"F":{"R025":0.16666666666666666}}}"#
    );
    // F winning half its processes is no outlier.
    lines[1] = lines[1].replace(r#""suppliers":[{"id":"1"}]"#, r#""suppliers":[{"id":"F"}]"#);
    lines[2] = lines[2].replace(r#""suppliers":[{"id":"2"}]"#, r#""suppliers":[{"id":"F"}]"#);
    assert_eq!(flags_with(only("[R025]\n"), &refs(&lines)), "{}");
}

#[test]
fn r038_excessive_disqualified_bids() {
    let mut lines = vec![
        r#"{"ocid":"0","bids":{"details":[{"status":"valid","tenderers":[{"id":"W1"}]},{"status":"disqualified","tenderers":[{"id":"D"}]}]},"buyer":{"id":"B"}}"#.to_string(),
    ];
    for n in 1..=4 {
        lines.push(format!(
            r#"{{"ocid":"{n}","bids":{{"details":[{{"status":"valid","tenderers":[{{"id":"W{}"}}]}}]}},"buyer":{{"id":"{n}"}}}}"#,
            n + 1
        ));
    }
    assert_eq!(flags(&refs(&lines)), r#"{"Buyer":{"B":{"R038":0.5}}}"#);
    // With B's bids below the minimum, nothing is compared.
    assert_eq!(
        flags_with(
            only("[R038]\nminimum_contracting_processes = 3\n"),
            &refs(&lines)
        ),
        "{}"
    );
}

#[test]
fn r048_heterogeneous_supplier() {
    let mut lines = vec![
        r#"{"ocid":"F","awards":[{"status":"active","suppliers":[{"id":"F"}],"items":[{"classification":{"id":"10000000"}},{"classification":{"id":"11000000"}}]}]}"#.to_string(),
    ];
    for n in 1..=4 {
        lines.push(format!(
            r#"{{"ocid":"{n}","awards":[{{"status":"active","suppliers":[{{"id":"{n}"}}],"items":[{{"classification":{{"id":"10000000"}}}}]}}]}}"#
        ));
    }
    let one = "[R048]\nminimum_contracting_processes = 1\n";
    assert_eq!(
        flags_with(only(one), &refs(&lines)),
        r#"{"Tenderer":{"F":{"R048":2.0}}}"#
    );
    // A fixed threshold: two classes flag at 2, not at 3.
    let at = |t: u32| flags_with(only(&format!("{one}threshold = {t}\n")), &refs(&lines));
    assert_eq!(at(2), r#"{"Tenderer":{"F":{"R048":2.0}}}"#);
    assert_eq!(at(3), "{}");
    // By default a supplier needs 20 processes to be compared.
    assert_eq!(flags_with(only("[R048]\n"), &refs(&lines)), "{}");
}

#[test]
fn quantiles_are_hyndman_and_fan_type_8() {
    // n = 5: h(0.25) = 5⅓·¼ + ⅓ = 1⅔ → x1 + ⅔(x2 − x1).
    let v = [1.0, 2.0, 3.0, 4.0, 5.0];
    assert!((quantile(&v, 0.25) - (1.0 + 2.0 / 3.0)).abs() < 1e-12);
    assert!((quantile(&v, 0.75) - (4.0 + 1.0 / 3.0)).abs() < 1e-12);
    assert_eq!(quantile(&v, 0.0), 1.0);
    assert_eq!(quantile(&v, 1.0), 5.0);
    assert!(quantile(&[], 0.5).is_nan());
}
