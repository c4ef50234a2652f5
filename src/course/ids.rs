//! Names of things in a course, each its own type so a quiz slug is never passed where an
//! exercise slug belongs.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a name; validation happens where the name is read.
            pub fn new(name: impl Into<String>) -> Self {
                Self(name.into())
            }

            /// The name as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
    };
}

string_id!(
    /// A lesson's slug: its file name without `NN-` and `.md`.
    LessonSlug
);
string_id!(
    /// A quiz's slug: its file name without `.toml`.
    QuizSlug
);
string_id!(
    /// An exercise's slug: its folder name under `exercises/`.
    ExerciseSlug
);
string_id!(
    /// A question's id, unique within its quiz.
    QuestionId
);
