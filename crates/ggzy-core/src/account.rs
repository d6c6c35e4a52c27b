//! Account credentials as typed values.

use crate::error::{FieldError, Invalid, text};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Username(String);

impl Username {
    /// 4–32 characters of lower-case letters, digits, `_`, `.` and `-`; input is lower-cased so
    /// that `ZhangSan` and `zhangsan` are one account.
    pub fn parse(field: &str, s: &str) -> Result<Self, FieldError> {
        let v = s.trim().to_ascii_lowercase();
        let ok_chars = v
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"_.-".contains(&c));
        if !(4..=32).contains(&v.len()) || !ok_chars {
            return Err(FieldError::new(
                field,
                "username.format",
                "用户名为 4–32 位字母、数字、下划线、点或连字符",
                "A username has 4–32 letters, digits, '_', '.' or '-'",
            ));
        }
        Ok(Self(v))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password that meets the policy; never logged, never serialised.
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

impl NewPassword {
    pub fn parse(field: &str, s: &str, username: Option<&Username>) -> Result<Self, FieldError> {
        let n = s.chars().count();
        if n < MIN_PASSWORD_CHARS || n > MAX_PASSWORD_CHARS {
            return Err(FieldError::new(
                field,
                "password.length",
                format!("密码长度应为 {MIN_PASSWORD_CHARS}–{MAX_PASSWORD_CHARS} 个字符"),
                format!("A password has {MIN_PASSWORD_CHARS}–{MAX_PASSWORD_CHARS} characters"),
            ));
        }
        let classes = [
            s.chars().any(|c| c.is_ascii_lowercase()),
            s.chars().any(|c| c.is_ascii_uppercase()),
            s.chars().any(|c| c.is_ascii_digit()),
            s.chars().any(|c| !c.is_ascii_alphanumeric()),
        ];
        if classes.iter().filter(|b| **b).count() < 2 {
            return Err(FieldError::new(
                field,
                "password.weak",
                "密码至少包含字母、数字、符号中的两类",
                "A password mixes at least two of letters, digits and symbols",
            ));
        }
        if username.is_some_and(|u| s.to_ascii_lowercase().contains(u.as_str())) {
            return Err(FieldError::new(
                field,
                "password.contains_username",
                "密码不能包含用户名",
                "A password cannot contain the username",
            ));
        }
        Ok(Self(s.to_string()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A self-service sign-up: the user who will act for a registered entity.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    pub username: String,
    pub display_name: String,
    pub password: String,
}

pub struct NewUser {
    pub username: Username,
    pub display_name: String,
    pub password: NewPassword,
}

impl UserInput {
    pub fn parse(&self, prefix: &str) -> Result<NewUser, Invalid> {
        let mut errs = Invalid::default();
        let f = |n: &str| format!("{prefix}{n}");
        let username = Username::parse(&f("username"), &self.username)
            .map_err(|e| errs.push(e))
            .ok();
        let display_name = text(&mut errs, &f("display_name"), &self.display_name, 50);
        let password = NewPassword::parse(&f("password"), &self.password, username.as_ref())
            .map_err(|e| errs.push(e))
            .ok();
        match (username, display_name, password) {
            (Some(username), Some(display_name), Some(password)) if errs.is_empty() => {
                Ok(NewUser {
                    username,
                    display_name,
                    password,
                })
            }
            _ => Err(errs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_length_limits_just_inside_and_outside() {
        assert!(NewPassword::parse("p", "abcdefgh1", None).is_err());
        assert!(NewPassword::parse("p", "abcdefgh12", None).is_ok());
        assert!(NewPassword::parse("p", &"a1".repeat(64), None).is_ok());
        assert!(NewPassword::parse("p", &format!("{}a", "a1".repeat(64)), None).is_err());
        assert_eq!(
            NewPassword::parse("p", "abcdefghijk", None)
                .unwrap_err()
                .code,
            "password.weak"
        );
        let u = Username::parse("u", "Zhangsan").expect("ok");
        assert_eq!(u.as_str(), "zhangsan");
        assert_eq!(
            NewPassword::parse("p", "zhangsan2025", Some(&u))
                .unwrap_err()
                .code,
            "password.contains_username"
        );
        assert!(
            !format!(
                "{:?}",
                NewPassword::parse("p", "secret-pass-1", None).expect("ok")
            )
            .contains("secret")
        );
    }

    #[test]
    fn usernames() {
        assert!(Username::parse("u", "abc").is_err());
        assert!(Username::parse("u", "abcd").is_ok());
        assert!(Username::parse("u", "张三abcd").is_err());
        assert!(Username::parse("u", &"a".repeat(33)).is_err());
    }
}
