//! Untrusted bytes in linkage: a peer that sends malformed round-1 messages makes the
//! receiver fail with a typed error naming the sender, never panic.
//!
//! SVB is replaced by a scripted sender that speaks the linkage phase's first round with
//! the message it is given; UWV and the Belastingdienst run the real protocol.

use curve25519_dalek::RistrettoPoint;
use rand_core::OsRng;
use samen_protocol::context::BytesRound;
use samen_protocol::harness::try_run_three;
use samen_protocol::linkage::{self, Bsn, LinkageInput, LinkageSpec, PersonTable};
use samen_protocol::shuffle::ShareKind;
use samen_protocol::{PartyId, ProtocolError};

fn header(rows: u64, body: &[u8]) -> Vec<u8> {
    let mut m = rows.to_le_bytes().to_vec();
    m.extend_from_slice(body);
    m
}

/// Runs UWV and the Belastingdienst honestly against a scripted SVB whose round-1 message
/// to UWV (its next party) is `to_uwv`; returns UWV's error.
fn with_svb_sending(to_uwv: Vec<u8>) -> ProtocolError {
    let spec = LinkageSpec {
        job_id: b"untrusted".to_vec(),
        fields: [vec![ShareKind::Arith], vec![ShareKind::Arith], vec![]],
        padding: [0; 3],
    };
    let person = |v: u32| {
        LinkageInput::Persons(PersonTable {
            persons: vec![Bsn::new(v).unwrap()],
            fields: vec![],
        })
    };
    let uwv = LinkageInput::Persons(PersonTable {
        persons: vec![Bsn::new(5).unwrap()],
        fields: vec![vec![1]],
    });
    let runs = try_run_three(|ctx| match ctx.party() {
        PartyId::SVB => {
            ctx.begin_phase("linkage")?;
            // a well-formed payload half for three rows and one field, to the Belastingdienst
            let to_bd = header(3, &[0u8; 24]);
            ctx.exchange_bytes(BytesRound {
                to_next: Some(to_uwv.clone()),
                to_prev: Some(to_bd),
                from_next: true,
                from_prev: true,
            })?;
            // stay connected until UWV has judged the message (it then hangs up)
            let _ = ctx.exchange_bytes(BytesRound {
                from_next: true,
                ..BytesRound::default()
            });
            Ok(None)
        }
        PartyId::UWV => Ok(Some(linkage::link(ctx, &spec, &uwv).map(|_| ()))),
        _ => Ok(Some(linkage::link(ctx, &spec, &person(7)).map(|_| ()))),
    })
    .expect("the harness itself runs");
    let [_, uwv_run, _] = runs;
    uwv_run
        .output
        .expect("UWV ran")
        .expect_err("UWV must reject the message")
}

fn valid_points(n: usize) -> Vec<u8> {
    (0..n)
        .flat_map(|_| RistrettoPoint::random(&mut OsRng).compress().to_bytes())
        .collect()
}

#[test]
fn invalid_point_encodings_are_malformed_messages() {
    let mut body = valid_points(6);
    body[2 * 32..3 * 32].fill(0xff);
    match with_svb_sending(header(3, &body)) {
        ProtocolError::MalformedMessage { from, reason } => {
            assert_eq!(from, PartyId::SVB);
            assert!(
                reason.contains("invalid Ristretto encoding at point 2"),
                "{reason}"
            );
        }
        e => panic!("unexpected error {e}"),
    }
}

#[test]
fn wrong_lengths_and_sizes_are_malformed_messages() {
    for msg in [
        header(5, &valid_points(6)),        // announced 5 households, sent 3
        header(3, &valid_points(6)[..100]), // truncated
        vec![1, 2, 3],                      // no header
        header(u64::MAX, &[]),              // absurd size
        header(1 << 40, &valid_points(2)),  // above the row limit
    ] {
        assert!(matches!(
            with_svb_sending(msg),
            ProtocolError::MalformedMessage {
                from: PartyId::SVB,
                ..
            }
        ));
    }
}

#[test]
fn a_duplicated_row_is_caught_at_the_next_hop() {
    let mut body = valid_points(6);
    let first: Vec<u8> = body[..64].to_vec();
    body[128..192].copy_from_slice(&first);
    assert!(matches!(
        with_svb_sending(header(3, &body)),
        ProtocolError::CheckFailed(_)
    ));
}
