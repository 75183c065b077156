//! What a published level keeps of its assessment's inputs (`risk_levels.inputs`, JSON of
//! [`PublishedInput`]), so that the history shows them as they were when published.

use serde::{Deserialize, Serialize};

use super::indicator::Indicator;
use super::reading::Reading;
use crate::slug_enum;

slug_enum!(
    /// How an indicator entered an assessment: [`Reading`] without its value and band.
    ReadingKind {
        Measured = "measured",
        /// Missing; the rule assumes the worst band.
        AssumedWorst = "assumed_worst",
        /// Missing; the rule leaves the indicator out.
        Skipped = "skipped",
    }
);

impl Reading {
    pub fn kind(&self) -> ReadingKind {
        match self {
            Reading::Measured { .. } => ReadingKind::Measured,
            Reading::AssumedWorst { .. } => ReadingKind::AssumedWorst,
            Reading::Skipped => ReadingKind::Skipped,
        }
    }
}

impl Serialize for Indicator {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

impl<'de> Deserialize<'de> for Indicator {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One indicator as it entered an assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedInput {
    pub indicator: Indicator,
    /// The measured value; none when missing.
    pub value: Option<f64>,
    /// The band, as the decision writes it ("20–<50"), in Vietnamese.
    pub band: Option<String>,
    pub reading: ReadingKind,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reading_slug_reads_back_as_its_variant() {
        for k in ReadingKind::ALL {
            assert_eq!(k.as_str().parse::<ReadingKind>(), Ok(*k));
        }
        assert!("assumed".parse::<ReadingKind>().is_err());
    }

    #[test]
    fn an_input_keeps_the_json_shape_published_levels_have() {
        let stored =
            r#"{"indicator":"cases_per_100k_week","value":12.5,"band":"<20","reading":"measured"}"#;
        let i: PublishedInput = serde_json::from_str(stored).unwrap();
        assert_eq!(i.indicator, Indicator::CasesPer100kWeek);
        assert_eq!(i.reading, ReadingKind::Measured);
        assert_eq!(serde_json::to_string(&i).unwrap(), stored);
        for bad in [
            stored.replace("measured", "guessed"),
            stored.replace("cases_per_100k_week", "cases"),
        ] {
            assert!(
                serde_json::from_str::<PublishedInput>(&bad).is_err(),
                "{bad}"
            );
        }
    }
}
