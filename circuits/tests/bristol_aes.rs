//! AES-128 in Bristol Fashion (`tests/data/aes_128.txt`) on the FIPS-197 vectors, in the
//! clear: directly, through the IR and the plaintext evaluator, after export and re-import,
//! and after the optimiser. The bit-order test passes only for the documented order.

use samen_circuits::bristol::{
    self, bits_lsb_first, bytes_from_bits_lsb_first, parse, ImportOptions,
};
use samen_circuits::eval::{evaluate, Columns};
use samen_circuits::ir::{Circuit, PartyId, PartySet};
use samen_circuits::{cost, passes};

const AES: &str = include_str!("data/aes_128.txt");

/// FIPS-197 Appendix C.1 and Appendix B: (key, plaintext, ciphertext).
const VECTORS: [(&str, &str, &str); 2] = [
    (
        "000102030405060708090a0b0c0d0e0f",
        "00112233445566778899aabbccddeeff",
        "69c4e0d86a7b0430d8cdb78070b4c55a",
    ),
    (
        "2b7e151628aed2a6abf7158809cf4f3c",
        "3243f6a8885a308d313198a2e0370734",
        "3925841d02dc09fbdc118597196a0b32",
    ),
];

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s).expect("test vector hex")
}

#[test]
fn header_and_counts() {
    let b = parse(AES).unwrap();
    assert_eq!(b.gates.len(), 36663);
    assert_eq!(b.wires, 36919);
    assert_eq!(b.inputs, vec![128, 128]);
    assert_eq!(b.outputs, vec![128]);
    assert_eq!(b.and_count(), 6400);
}

#[test]
fn fips197_in_the_clear() {
    let b = parse(AES).unwrap();
    for (key, pt, ct) in VECTORS {
        let out = b
            .evaluate(&[bits_lsb_first(&hex(key)), bits_lsb_first(&hex(pt))])
            .unwrap();
        assert_eq!(hex::encode(bytes_from_bits_lsb_first(&out[0])), ct);
    }
}

/// Only the documented order works: key first, each value a big-endian integer, wire 0 its
/// least significant bit. Swapping the inputs, or reading bytes little-endian, or bits
/// most-significant first, gives a different ciphertext.
#[test]
fn only_the_right_bit_order_passes() {
    let b = parse(AES).unwrap();
    let (key, pt, ct) = (hex(VECTORS[0].0), hex(VECTORS[0].1), VECTORS[0].2);
    let le_bytes = |x: &[u8]| {
        (0..x.len() * 8)
            .map(|j| x[j / 8] >> (j % 8) & 1 == 1)
            .collect::<Vec<_>>()
    };
    let msb_first = |x: &[u8]| bits_lsb_first(x).into_iter().rev().collect::<Vec<_>>();
    let enc = |a: Vec<bool>, p: Vec<bool>| {
        hex::encode(bytes_from_bits_lsb_first(&b.evaluate(&[a, p]).unwrap()[0]))
    };
    assert_eq!(enc(bits_lsb_first(&key), bits_lsb_first(&pt)), ct);
    assert_ne!(enc(bits_lsb_first(&pt), bits_lsb_first(&key)), ct);
    assert_ne!(enc(le_bytes(&key), le_bytes(&pt)), ct);
    assert_ne!(enc(msb_first(&key), msb_first(&pt)), ct);
}

/// Input columns for the IR form: `in0[j]` (key bits) and `in1[j]` (plaintext bits), one
/// row per test vector.
fn columns() -> Columns {
    let mut cols = Columns::new();
    for (v, (key, pt, _)) in VECTORS.iter().enumerate() {
        for (i, value) in [key, pt].iter().enumerate() {
            for (j, bit) in bits_lsb_first(&hex(value)).into_iter().enumerate() {
                let col = cols
                    .entry(format!("in{i}[{j}]"))
                    .or_insert_with(|| vec![0; VECTORS.len()]);
                col[v] = u64::from(bit);
            }
        }
    }
    cols
}

fn ciphertexts(c: &Circuit) -> Vec<String> {
    let e = evaluate(c, &columns()).unwrap();
    (0..VECTORS.len())
        .map(|row| {
            let bits: Vec<bool> = (0..128)
                .map(|j| e.output(&format!("out0[{j}]")).unwrap()[row] == 1)
                .collect();
            hex::encode(bytes_from_bits_lsb_first(&bits))
        })
        .collect()
}

fn expected() -> Vec<String> {
    VECTORS.iter().map(|v| v.2.to_string()).collect()
}

#[test]
fn fips197_through_the_ir() {
    let c = bristol::import(AES, "aes_128", &ImportOptions::default()).unwrap();
    assert_eq!(ciphertexts(&c), expected());
    let report = cost::cost(&c);
    assert_eq!(report.and_gates, 6400);
    // Decoding the canonical encoding gives the same circuit and hash.
    let back = Circuit::decode(&c.encode()).unwrap();
    assert_eq!(back.hash(), c.hash());
}

#[test]
fn export_and_reimport() {
    let c = bristol::import(AES, "aes_128", &ImportOptions::default()).unwrap();
    let text = bristol::export(&c).unwrap();
    let b = parse(&text).unwrap();
    assert_eq!(b.inputs, vec![128, 128]);
    assert_eq!(b.outputs, vec![128]);
    assert_eq!(b.and_count(), 6400);
    let again = bristol::import(&text, "aes_128_again", &ImportOptions::default()).unwrap();
    assert_eq!(ciphertexts(&again), expected());
}

/// With the key owned by SVB and the plaintext by UWV and no immediate sharing, the
/// optimiser moves the key schedule into SVB's plaintext: fewer secret ANDs, same result.
#[test]
fn optimiser_localises_the_key_schedule() {
    let opts = ImportOptions {
        owners: vec![PartyId::SVB, PartyId::UWV],
        reveal_to: PartySet::ALL,
        share_inputs: false,
    };
    let c = bristol::import(AES, "aes_128", &opts).unwrap();
    let o = passes::optimize(&c).unwrap();
    assert_eq!(ciphertexts(&o), expected());
    let before = cost::cost(&bristol::import(AES, "aes_128", &ImportOptions::default()).unwrap());
    let after = cost::cost(&o);
    assert!(
        after.and_gates < before.and_gates,
        "{} !< {}",
        after.and_gates,
        before.and_gates
    );
    assert!(after.local_gates > 0);
}
