//! AES-128 (the Bristol Fashion circuit of `circuits/tests/data/aes_128.txt`) evaluated
//! securely: the FIPS-197 vectors, and random keys and blocks checked against the `aes`
//! crate, with the key owned by the SVB and the plaintext by UWV; as imported (every bit
//! shared at once) and after the optimiser (the key schedule computed by the SVB in the
//! clear). The ciphertext is revealed to the SVB only.

mod evaluator_support;

use aes::cipher::{BlockEncrypt, KeyInit};
use evaluator_support::{assert_matches_clear, run_secure};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use samen_circuits::bristol::{self, bits_lsb_first, bytes_from_bits_lsb_first, ImportOptions};
use samen_circuits::eval::Columns;
use samen_circuits::{passes, Circuit, PartyId, PartySet};
use samen_protocol::evaluator::Outputs;

const AES: &str = include_str!("../../circuits/tests/data/aes_128.txt");

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

fn hex(s: &str) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (k, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * k..2 * k + 2], 16).expect("hex");
    }
    out
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The AES circuit with the key owned by the SVB, the plaintext by UWV, the ciphertext
/// revealed to the SVB.
pub fn aes_circuit(share_inputs: bool) -> Circuit {
    let opts = ImportOptions {
        owners: vec![PartyId::SVB, PartyId::UWV],
        reveal_to: PartySet::only(PartyId::SVB),
        share_inputs,
    };
    bristol::import(AES, "aes_128", &opts).expect("AES-128 Bristol circuit")
}

/// Input columns `in0[j]` (key bits) and `in1[j]` (plaintext bits), one row per block.
fn columns(blocks: &[Block]) -> Columns {
    let mut cols = Columns::new();
    for (row, (key, pt)) in blocks.iter().enumerate() {
        for (i, value) in [key, pt].iter().enumerate() {
            for (j, bit) in bits_lsb_first(&value[..]).into_iter().enumerate() {
                cols.entry(format!("in{i}[{j}]"))
                    .or_insert_with(|| vec![0; blocks.len()])[row] = u64::from(bit);
            }
        }
    }
    cols
}

fn ciphertexts(out: &Outputs, rows: usize) -> Vec<String> {
    (0..rows)
        .map(|row| {
            let bits: Vec<bool> = (0..128)
                .map(|j| out.get(&format!("out0[{j}]")).expect("ciphertext bit")[row] == 1)
                .collect();
            to_hex(&bytes_from_bits_lsb_first(&bits))
        })
        .collect()
}

/// A key and a plaintext block.
type Block = ([u8; 16], [u8; 16]);

fn blocks(n: usize) -> (Vec<Block>, Vec<String>) {
    let mut rng = StdRng::seed_from_u64(197);
    let mut blocks = Vec::new();
    let mut expected = Vec::new();
    for (key, pt, ct) in VECTORS {
        blocks.push((hex(key), hex(pt)));
        expected.push(ct.to_string());
    }
    while blocks.len() < n {
        let (key, pt): ([u8; 16], [u8; 16]) = (rng.gen(), rng.gen());
        let cipher = aes::Aes128::new(&key.into());
        let mut block = pt.into();
        cipher.encrypt_block(&mut block);
        blocks.push((key, pt));
        expected.push(to_hex(&block));
    }
    (blocks, expected)
}

fn check(circuit: &Circuit, rows: usize) {
    let (blocks, expected) = blocks(rows);
    let inputs = columns(&blocks);
    let runs = run_secure(circuit, &inputs, rows);
    assert_matches_clear(circuit, &inputs, &runs);
    assert_eq!(ciphertexts(&runs[0].outputs, rows), expected);
    assert_eq!(expected[0], "69c4e0d86a7b0430d8cdb78070b4c55a");
    // UWV and the Belastingdienst learn nothing.
    assert!(runs[1].outputs.is_empty() && runs[2].outputs.is_empty());
}

#[test]
fn fips197_securely() {
    check(&aes_circuit(true), 70);
}

#[test]
fn fips197_securely_after_the_optimiser() {
    let optimised = passes::optimize(&aes_circuit(false)).expect("optimiser");
    check(&optimised, 3);
}
