//! How one learner is shown a question's options: the order (shuffled per learner unless
//! the question pins it) and the opaque value each option carries on the page.
//!
//! The page never names an option by its index in the quiz file: the authored position
//! would tell a learner reading the HTML where the key usually is. Each option's value is a
//! token derived from the learner's seed, the quiz, the question and the option, which the
//! server maps back to the index when an answer arrives; the store keeps indexes.
//!
//! The tokens are a keyed hash, not a cryptographic MAC: the seed is on the learner's own
//! disk and the quiz file is in their course folder. They keep positions out of the page,
//! not out of reach of a learner determined to read the course's files.

use crate::course::Question;

/// The order to show a question's options in for one learner: shuffled by a per-learner
/// seed unless the question pins its order.
pub fn option_order(question: &Question, learner_seed: &str) -> Vec<usize> {
    let mut order: Vec<usize> = (0..question.options.len()).collect();
    if !question.pin_order {
        let key = |i: usize| {
            let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
            for byte in learner_seed
                .bytes()
                .chain(question.id.as_str().bytes())
                .chain(i.to_le_bytes())
            {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
            hash
        };
        order.sort_by_key(|&i| key(i));
    }
    order
}

/// Hex digits in a token: 48 bits, so two options of one question share a token with a
/// chance far below one in a trillion.
const TOKEN_HEX: usize = 12;

/// The value option `option` of `question` in quiz `quiz` carries on `learner_seed`'s page:
/// stable for one learner, different for another, and silent about the option's position.
pub fn option_token(learner_seed: &str, quiz: &str, question: &Question, option: usize) -> String {
    // FNV-1a over the public parts, with the seed on both ends: with the secret last, the
    // hash cannot be run backwards from a token to the index it started from.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for &byte in bytes.iter().chain(&[0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    feed(learner_seed.as_bytes());
    feed(quiz.as_bytes());
    feed(question.id.as_str().as_bytes());
    feed(&(option as u64).to_le_bytes());
    feed(learner_seed.as_bytes());
    // A final mix (MurmurHash3's) so every output bit depends on every input bit: FNV's low
    // bits depend only on the inputs' low bits.
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    hash ^= hash >> 33;
    let hex = format!("{hash:016x}");
    hex[..TOKEN_HEX].to_string()
}

/// The option of `question` whose token on `learner_seed`'s page is `token`, if any.
pub fn option_for_token(
    learner_seed: &str,
    quiz: &str,
    question: &Question,
    token: &str,
) -> Option<usize> {
    (0..question.options.len()).find(|&i| option_token(learner_seed, quiz, question, i) == token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::{AnswerKey, QuestionId, QuestionKind};

    fn question(id: &str) -> Question {
        Question {
            id: QuestionId::new(id),
            kind: QuestionKind::Single,
            prompt: format!("prompt {id}"),
            options: ["a", "b", "c", "d", "e", "f"].map(String::from).to_vec(),
            answer: AnswerKey::Choices([0].into()),
            explanation: format!("because {id}"),
            pin_order: false,
            line: 1,
        }
    }

    #[test]
    fn shuffling_is_per_learner_and_pin_order_holds() {
        let mut q = question("x");
        let a = option_order(&q, "learner-a");
        assert_eq!(a, option_order(&q, "learner-a"), "stable for one learner");
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, vec![0, 1, 2, 3, 4, 5]);
        assert!(
            (0..20).any(|i| option_order(&q, &format!("l{i}")) != a),
            "differs between learners"
        );
        q.pin_order = true;
        assert_eq!(option_order(&q, "learner-a"), vec![0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn tokens_are_opaque_stable_distinct_and_map_back() {
        let q = question("x");
        let tokens: Vec<String> = (0..6)
            .map(|i| option_token("seed-a", "quiz", &q, i))
            .collect();
        for (i, token) in tokens.iter().enumerate() {
            assert_eq!(token.len(), TOKEN_HEX);
            assert!(token.chars().all(|c| c.is_ascii_hexdigit()));
            assert_ne!(token, &i.to_string(), "a token is not the position");
            assert_eq!(token, &option_token("seed-a", "quiz", &q, i), "stable");
            assert_eq!(option_for_token("seed-a", "quiz", &q, token), Some(i));
            assert_eq!(option_for_token("seed-b", "quiz", &q, token), None);
        }
        let mut unique = tokens.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), tokens.len(), "one token per option");
        assert_ne!(
            tokens[0],
            option_token("seed-b", "quiz", &q, 0),
            "per learner"
        );
        assert_ne!(
            tokens[0],
            option_token("seed-a", "other", &q, 0),
            "per quiz"
        );
        assert_ne!(tokens[0], option_token("seed-a", "quiz", &question("y"), 0));
        assert_eq!(option_for_token("seed-a", "quiz", &q, "0"), None);
    }
}
