//! Tests of the EM settings and of pooled counting.

use super::*;
use crate::corpus::Source;
use crate::error::ErrorKind;

#[test]
fn params_are_checked() {
    assert!(EmParams::new().check().is_ok());
    for w in [0.0, -0.5, 1.5, f64::NAN, f64::INFINITY] {
        let p = EmParams {
            unlabeled_weight: w,
            ..EmParams::new()
        };
        let e = p.check().expect_err("λ out of range").to_string();
        assert!(e.contains("unlabeled-weight"), "{e}");
    }
    let p = EmParams {
        tolerance: -1.0,
        ..EmParams::new()
    };
    assert!(p.check().is_err());
    let p: EmParams = serde_json::from_str(r#"{"iterations": 3}"#).expect("partial");
    assert_eq!(p.iterations, 3);
    assert_eq!(p.unlabeled_weight, 0.01);
    assert!(serde_json::from_str::<EmParams>(r#"{"iteration": 3}"#).is_err());
}

fn item(id: &str, text: &str) -> Item {
    Item {
        id: id.into(),
        source: Source::Text(text.into()),
    }
}

#[test]
fn pooled_counting_leaves_out_copies_and_unreadable_documents() {
    let data = LabeledData::from_pairs(vec![
        (item("a", "كرة هدف"), "sport".into()),
        (item("b", "نفط سعر"), "economy".into()),
    ]);
    let unlabeled = vec![
        item("u1", "كرة هدف"),
        item("u2", "كرة مدرب"),
        Item {
            id: "u3".into(),
            source: Source::Failed(Box::new(Error::new(ErrorKind::Invalid {
                message: "u3: broken".into(),
            }))),
        },
        item("u4", "   "),
    ];
    let p = count_pooled(
        &data,
        &unlabeled,
        &TrainParams::new(),
        &crate::corpus::ReadOptions::default(),
    )
    .expect("counted");
    assert_eq!(p.labeled, 2);
    assert_eq!(p.unlabeled, vec![3], "only u2 is kept");
    assert_eq!(p.report.given, 4);
    assert_eq!(p.report.duplicates, 1);
    let ids: Vec<&str> = p.report.unreadable.iter().map(|u| u.0.as_str()).collect();
    assert_eq!(ids, ["u3", "u4"]);
    assert_eq!(p.report.kept, 1);
}
