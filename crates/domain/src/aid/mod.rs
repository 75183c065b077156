//! Aid between localities: who gives what to whom, in which currency, and where a gift is in
//! its life (pledged → dispatched → received → acknowledged). Also the relief kinds of
//! lockdown zones. Money is always integer minor units with its currency; conversion is
//! exact rational arithmetic with one stated rounding rule.

mod cooperation;
mod fx;
mod gift;
mod goods;
mod letters;
mod money;
mod needs;
mod relief;

pub use cooperation::{ActivityKind, DEFAULT_COOPERATION_FIELDS};
pub use fx::{convert_sums, pick_rate, Converted, FxRate, MAX_RATE_MICRO, ROUNDING_RULE};
pub use gift::{may_record_aid, AidStatus, PartyKind};
pub use goods::{item, quantity_in_bounds, GoodsLine, Item, ITEMS, MAX_QUANTITY};
pub use letters::{
    check_letter, LetterDirection, LetterDraft, LetterFields, LetterKind, LetterPartner,
    LETTER_NAME_MAX, LETTER_SUBJECT_MAX, LETTER_TEXT_MAX,
};
pub use money::{amount_in_bounds, Currency, Money, MAX_AMOUNT_MINOR};
pub use needs::{distance_km, rank_needs, NeedSituation, NeedStatus};
pub use relief::ReliefKind;

#[cfg(test)]
mod tests;
