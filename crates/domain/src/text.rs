//! Text folded for matching: names and addresses are compared without case or Vietnamese
//! diacritics.

/// "Phúc Xá" → "phuc xa": lower case, Vietnamese diacritics removed (đ → d), combining marks
/// (text typed in decomposed form) dropped.
pub fn fold_diacritics(s: &str) -> String {
    const FROM: &str = "àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ";
    const TO: &str = "aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd";
    s.to_lowercase()
        .chars()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .map(|c| match FROM.chars().position(|f| f == c) {
            Some(i) => TO.as_bytes()[i] as char,
            None => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::fold_diacritics;

    #[test]
    fn folds_vietnamese_diacritics() {
        assert_eq!(fold_diacritics("Phúc Xá"), "phuc xa");
        assert_eq!(fold_diacritics("ĐẶC KHU Trường Sa"), "dac khu truong sa");
        // "Tấn" typed as T, a, combining circumflex, combining acute, n.
        assert_eq!(fold_diacritics("Ta\u{302}\u{301}n"), "tan");
    }
}
