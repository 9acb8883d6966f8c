//! [`Secret`]: a wrapper that keeps secrets out of logs and out of freed memory.

use std::fmt;

use zeroize::Zeroize;

/// A secret value: `Debug` prints `Secret(***)`, and the value is zeroized on drop.
///
/// There is deliberately no `Display`, `PartialEq` or serde impl: reading the value takes an
/// explicit [`Secret::expose`], which makes every use easy to find in review, and
/// comparisons of secrets must be constant-time, which `==` is not.
pub struct Secret<T: Zeroize>(T);

/// A secret string (passwords, client secrets, PEM-encoded private keys).
pub type SecretString = Secret<String>;

/// A secret byte string (keys, serialized verifiers).
pub type SecretBytes = Secret<Vec<u8>>;

impl<T: Zeroize> Secret<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// Borrows the secret value.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Borrows the secret value mutably, to fill it in place without a temporary copy.
    pub fn expose_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: Zeroize> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl<T: Zeroize + Clone> Clone for Secret<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T: Zeroize + Default> Default for Secret<T> {
    fn default() -> Self {
        Self(T::default())
    }
}

impl<T: Zeroize> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl<T: Zeroize> Drop for Secret<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = SecretString::new("hunter2".to_owned());
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(format!("{:?}", Some(&s)), "Some(Secret(***))");
    }

    #[test]
    fn expose_returns_the_value() {
        let mut s = SecretBytes::new(vec![1, 2, 3]);
        assert_eq!(s.expose(), &[1, 2, 3]);
        s.expose_mut().push(4);
        assert_eq!(s.clone().expose(), &[1, 2, 3, 4]);
    }

    /// Records whether it was zeroized, so the test can observe `Drop` without reading
    /// freed memory.
    struct Probe(std::rc::Rc<std::cell::Cell<bool>>);

    impl Zeroize for Probe {
        fn zeroize(&mut self) {
            self.0.set(true);
        }
    }

    #[test]
    fn drop_zeroizes() {
        let zeroized = std::rc::Rc::new(std::cell::Cell::new(false));
        let s = Secret::new(Probe(zeroized.clone()));
        assert!(!zeroized.get());
        drop(s);
        assert!(zeroized.get());
    }
}
