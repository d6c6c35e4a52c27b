//! The store's top-level modules form no import cycle: the shared lot engine (`tendering`) sits
//! below procurement, the expert draw, the evaluation and the alerts, and `regime` is the one seam
//! above them all. A cycle would let a change in one regime break another through the engine.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every `crate::<module>` an item of `src/<module>` names, comments and tests left out.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).expect("under src");
            let first = rel.components().next().expect("component");
            let module = first
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            if module == "lib" {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read source");
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            let targets = graph.entry(module.clone()).or_default();
            for line in code.lines() {
                let line = line.split("//").next().unwrap_or_default();
                for used in names_after(line, "crate::") {
                    if used != module {
                        targets.insert(used);
                    }
                }
                // `use crate::{a, b::c}` names several modules at once.
                if let Some(group) = line.split("crate::{").nth(1) {
                    for part in group.split(['}', ',']) {
                        let name = part.trim().split("::").next().unwrap_or_default();
                        if !name.is_empty() && name != module {
                            targets.insert(name.to_string());
                        }
                    }
                }
            }
        }
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for targets in graph.values_mut() {
        targets.retain(|t| modules.contains(t));
    }
    graph
}

fn names_after(line: &str, prefix: &str) -> Vec<String> {
    line.match_indices(prefix)
        .map(|(i, _)| {
            line[i + prefix.len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect::<String>()
        })
        .filter(|n| !n.is_empty())
        .collect()
}

/// A cycle, if any, as the list of modules along it.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut c = path[at..].to_vec();
            c.push(node.to_string());
            return Some(c);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|m| visit(m, graph, &mut vec![], &mut done))
}

#[test]
fn store_modules_form_no_import_cycle() {
    let graph = module_graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(graph.len() > 10, "the walk found the modules: {graph:?}");
    assert!(
        graph["regime"].contains("procurement"),
        "the walk sees imports: {graph:?}"
    );
    if let Some(c) = cycle(&graph) {
        panic!("import cycle between store modules: {}", c.join(" → "));
    }
    // The engine knows nothing of what is built on it.
    for upper in ["alerts", "evaluation", "experts", "procurement", "regime"] {
        assert!(
            !graph["tendering"].contains(upper),
            "the lot engine imports {upper}"
        );
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    g.entry("c".into()).or_default().insert("a".into());
    assert_eq!(
        cycle(&g),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    g.get_mut("c").expect("c").clear();
    assert_eq!(cycle(&g), None);
}
