//! Property tests: aggregate -> de-aggregate round trips, exact and tight size accounting.

use kpl_aggregation::{
    deaggregate, hash_key_string, Aggregator, Error, KinesisRecord, UserRecord, KINESIS_MAX_BYTES,
};
use proptest::prelude::*;

fn varint_len(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

/// Size (data + partition key) of the record a group of user records becomes, computed
/// independently of the library: plain when alone, else magic + protobuf + MD5 + outer key.
fn expected_size(group: &[UserRecord]) -> usize {
    if let [only] = group {
        return only.data.len() + only.partition_key.len();
    }
    let field = |len: usize| 1 + varint_len(len as u64) + len;
    let mut pks: Vec<&str> = Vec::new();
    let mut ehks: Vec<&str> = Vec::new();
    let mut pb = 0;
    for r in group {
        let pk_index = match pks.iter().position(|k| *k == r.partition_key) {
            Some(i) => i,
            None => {
                pks.push(&r.partition_key);
                pb += field(r.partition_key.len());
                pks.len() - 1
            }
        };
        let mut inner = 1 + varint_len(pk_index as u64) + field(r.data.len());
        if let Some(ehk) = &r.explicit_hash_key {
            let i = match ehks.iter().position(|k| k == ehk) {
                Some(i) => i,
                None => {
                    ehks.push(ehk);
                    pb += field(ehk.len());
                    ehks.len() - 1
                }
            };
            inner += 1 + varint_len(i as u64);
        }
        pb += field(inner);
    }
    4 + pb + 16 + group[0].partition_key.len()
}

fn user_record() -> impl Strategy<Value = UserRecord> {
    let pk = prop_oneof![
        3 => prop::sample::select(vec!["a", "βeta", "日本語", "🦀", "key-with-some-length"]).prop_map(str::to_owned),
        1 => "[a-z0-9é日🦀]{1,20}",
    ];
    let ehk = prop::option::weighted(
        0.3,
        prop_oneof![Just(0_u128), Just(u128::MAX), any::<u128>()].prop_map(|k| k.to_string()),
    );
    let data = prop_oneof![
        1 => Just(Vec::new()),
        4 => prop::collection::vec(any::<u8>(), 0..300),
        1 => prop::collection::vec(any::<u8>(), 300..1500),
    ];
    (pk, ehk, data).prop_map(|(partition_key, explicit_hash_key, data)| UserRecord {
        partition_key,
        explicit_hash_key,
        data,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn round_trip_with_exact_and_tight_sizes(
        records in prop::collection::vec(user_record(), 0..80),
        limit in prop_oneof![1_usize..200, 200_usize..4000, Just(KINESIS_MAX_BYTES)],
    ) {
        let mut agg = Aggregator::new(limit).unwrap();
        let mut out: Vec<KinesisRecord> = Vec::new();
        let mut groups: Vec<Vec<UserRecord>> = vec![Vec::new()];
        for r in &records {
            let before = agg.size_bytes();
            let size = r.data.len() + r.partition_key.len();
            match agg.add(r.clone()) {
                Err(e) => {
                    prop_assert!(size > limit);
                    prop_assert_eq!(e, Error::RecordTooLarge { size, limit });
                    continue;
                }
                Ok(Some(done)) => {
                    // The size reported before the add is the size of what came out.
                    prop_assert_eq!(done.size(), before);
                    out.push(done);
                    groups.push(Vec::new());
                }
                Ok(None) => {}
            }
            prop_assert!(size <= limit);
            groups.last_mut().unwrap().push(r.clone());
            prop_assert_eq!(agg.size_bytes(), expected_size(groups.last().unwrap()));
        }
        let before = agg.size_bytes();
        if let Some(last) = agg.flush() {
            prop_assert_eq!(last.size(), before);
            out.push(last);
        } else {
            groups.pop();
        }
        prop_assert!(agg.is_empty() && agg.flush().is_none());
        prop_assert_eq!(out.len(), groups.len());

        let mut seen = Vec::new();
        for (i, (k, group)) in out.iter().zip(&groups).enumerate() {
            // Never over the limit, exactly the independent size, and tight: the next
            // record would not have fitted.
            prop_assert!(k.size() <= limit);
            prop_assert_eq!(k.size(), expected_size(group));
            if let Some(next) = groups.get(i + 1).and_then(|g| g.first()) {
                let mut bigger = group.clone();
                bigger.push(next.clone());
                prop_assert!(expected_size(&bigger) > limit);
            }
            let first = &group[0];
            prop_assert_eq!(&k.partition_key, &first.partition_key);
            let expected_ehk = if group.len() == 1 {
                first.explicit_hash_key.clone()
            } else {
                Some(first.explicit_hash_key.clone().unwrap_or_else(|| hash_key_string(&first.partition_key)))
            };
            prop_assert_eq!(&k.explicit_hash_key, &expected_ehk);

            let users = deaggregate(&k.partition_key, k.explicit_hash_key.as_deref(), &k.data, &i.to_string());
            prop_assert_eq!(users.len(), group.len());
            for (sub, u) in users.iter().enumerate() {
                prop_assert_eq!(u.aggregated, group.len() > 1);
                prop_assert_eq!(u.sub_sequence_number, if group.len() > 1 { sub as u64 } else { 0 });
                prop_assert_eq!(&*u.sequence_number, i.to_string());
                seen.push(UserRecord {
                    partition_key: u.partition_key.to_string(),
                    explicit_hash_key: u.explicit_hash_key.as_deref().map(str::to_owned),
                    data: u.data.to_vec(),
                });
            }
        }
        let accepted: Vec<UserRecord> = records
            .into_iter()
            .filter(|r| r.data.len() + r.partition_key.len() <= limit)
            .collect();
        prop_assert_eq!(seen, accepted);
    }
}

#[test]
fn explicit_hash_key_extremes_and_empty_data_round_trip() {
    let records: Vec<UserRecord> = ["0", "340282366920938463463374607431768211455"]
        .iter()
        .map(|ehk| UserRecord {
            partition_key: "ключ".into(),
            explicit_hash_key: Some((*ehk).into()),
            data: Vec::new(),
        })
        .collect();
    let mut agg = Aggregator::default();
    for r in &records {
        assert!(agg.add(r.clone()).unwrap().is_none());
    }
    let k = agg.flush().unwrap();
    assert_eq!(k.explicit_hash_key.as_deref(), Some("0"));
    let users = deaggregate(&k.partition_key, None, &k.data, "1");
    let got: Vec<_> = users
        .iter()
        .map(|u| {
            (
                u.explicit_hash_key.as_deref().map(str::to_owned),
                u.data.len(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (Some("0".to_owned()), 0),
            (
                Some("340282366920938463463374607431768211455".to_owned()),
                0
            )
        ]
    );
}

#[test]
fn the_kinesis_limit_is_reachable_but_not_exceedable() {
    let mut agg = Aggregator::new(KINESIS_MAX_BYTES).unwrap();
    let pk = "p".repeat(256);
    let err = agg
        .add_parts(&pk, None, &vec![0; KINESIS_MAX_BYTES - 255])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "user record of 1048577 bytes (data + partition key) exceeds the limit of 1048576 bytes"
    );
    assert!(agg
        .add_parts(&pk, None, &vec![0; KINESIS_MAX_BYTES - 256])
        .unwrap()
        .is_none());
    let k = agg.flush().unwrap();
    assert_eq!(k.size(), KINESIS_MAX_BYTES);
}
