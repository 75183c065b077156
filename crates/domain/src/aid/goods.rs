//! Goods: the catalogue of items a gift may carry, and its lines with their quantities.

/// The largest quantity of one goods line or need, in the item's unit: 10^12 (a million
/// tonnes of produce in kg, a thousand billion masks), far above any real gift.
pub const MAX_QUANTITY: i64 = 1_000_000_000_000;

/// Whether a quantity is one a goods line may carry: 1 to [`MAX_QUANTITY`].
pub fn quantity_in_bounds(q: i64) -> bool {
    (1..=MAX_QUANTITY).contains(&q)
}

/// One item of the goods catalogue: its slug, the unit it is counted in, and its names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub slug: &'static str,
    pub unit: &'static str,
    pub name_vi: &'static str,
    pub name_en: &'static str,
}

/// The goods catalogue. Quantities are whole numbers of the item's unit; produce is in
/// kilograms so "hundreds of tonnes" stays an integer.
pub const ITEMS: &[Item] = &[
    Item {
        slug: "masks",
        unit: "pieces",
        name_vi: "khẩu trang y tế",
        name_en: "medical masks",
    },
    Item {
        slug: "antigen_test_kits",
        unit: "kits",
        name_vi: "bộ xét nghiệm kháng nguyên",
        name_en: "antigen test kits",
    },
    Item {
        slug: "pcr_test_kits",
        unit: "kits",
        name_vi: "bộ xét nghiệm PCR",
        name_en: "PCR test kits",
    },
    Item {
        slug: "ventilators",
        unit: "pieces",
        name_vi: "máy thở",
        name_en: "ventilators",
    },
    Item {
        slug: "oxygen_cylinders",
        unit: "cylinders",
        name_vi: "bình ô-xy",
        name_en: "oxygen cylinders",
    },
    Item {
        slug: "oxygen_concentrators",
        unit: "pieces",
        name_vi: "máy tạo ô-xy",
        name_en: "oxygen concentrators",
    },
    Item {
        slug: "protective_suits",
        unit: "sets",
        name_vi: "bộ đồ bảo hộ",
        name_en: "protective suits",
    },
    Item {
        slug: "produce",
        unit: "kg",
        name_vi: "nông sản, thủy sản",
        name_en: "farm and fish produce",
    },
    Item {
        slug: "gift_packs",
        unit: "packs",
        name_vi: "phần quà thiết yếu",
        name_en: "gift packs of essentials",
    },
    Item {
        slug: "welfare_bags",
        unit: "bags",
        name_vi: "túi an sinh",
        name_en: "welfare bags",
    },
    Item {
        slug: "medicine_packs",
        unit: "boxes",
        name_vi: "túi thuốc",
        name_en: "medicine packs",
    },
];

pub fn item(slug: &str) -> Option<&'static Item> {
    ITEMS.iter().find(|i| i.slug == slug)
}

/// A line of goods in a gift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoodsLine {
    pub item: &'static Item,
    pub quantity: i64,
}
