/**
 * What the simulated card platform sells, in one place: every generator of the test kit
 * stocks its shelves from here.
 */

/** One item on a shelf: a fixed-price card, or a top-up whose price the payer chooses. */
export interface Product {
  sku: string;
  category: string;
  kind: 'purchase' | 'topup';
  unitPrice: number;
  /** The shop selling it; the platform's own merchant when absent. */
  merchantId?: string;
}

/** A card of a known shop. */
export type ShopItem = Product & { merchantId: string };

/**
 * What the simulated shop sells, in its own words: Chinese by default, as the platforms
 * Backstop is for name their goods (`--catalogue en` for the same shop in English). Both
 * have the same prices in the same order, so planted mistakes behave alike.
 */
export const CATALOGUES = {
  zh: [
    { sku: '原神-空月祝福', category: '游戏点卡', kind: 'purchase', unitPrice: 3000 },
    { sku: '腾讯Q币-100', category: '游戏点卡', kind: 'purchase', unitPrice: 10000 },
    { sku: '原神-创世结晶6480', category: '游戏点卡', kind: 'purchase', unitPrice: 64800 },
    { sku: '王者荣耀点券-60', category: '游戏点卡', kind: 'purchase', unitPrice: 600 },
    { sku: '王者荣耀点券-600', category: '游戏点卡', kind: 'purchase', unitPrice: 6000 },
    { sku: 'App Store 充值卡 30', category: '礼品卡', kind: 'purchase', unitPrice: 3000 },
    { sku: 'App Store 充值卡 60', category: '礼品卡', kind: 'purchase', unitPrice: 6000 },
    { sku: 'Steam Wallet 100', category: '礼品卡', kind: 'purchase', unitPrice: 10000 },
    { sku: 'Steam Wallet 1000', category: '礼品卡', kind: 'purchase', unitPrice: 100000 },
    { sku: '话费充值-50', category: '话费充值', kind: 'topup', unitPrice: 5000 },
    { sku: '话费充值-500', category: '话费充值', kind: 'topup', unitPrice: 50000 },
  ],
  en: [
    { sku: 'genshin-welkin-30d', category: 'game-card', kind: 'purchase', unitPrice: 3000 },
    { sku: 'qq-coins-100', category: 'game-card', kind: 'purchase', unitPrice: 10000 },
    { sku: 'genshin-crystals-6480', category: 'game-card', kind: 'purchase', unitPrice: 64800 },
    { sku: 'honor-kings-tokens-60', category: 'game-card', kind: 'purchase', unitPrice: 600 },
    { sku: 'honor-kings-tokens-600', category: 'game-card', kind: 'purchase', unitPrice: 6000 },
    { sku: 'app-store-30', category: 'gift-card', kind: 'purchase', unitPrice: 3000 },
    { sku: 'app-store-60', category: 'gift-card', kind: 'purchase', unitPrice: 6000 },
    { sku: 'steam-wallet-100', category: 'gift-card', kind: 'purchase', unitPrice: 10000 },
    { sku: 'steam-wallet-1000', category: 'gift-card', kind: 'purchase', unitPrice: 100000 },
    { sku: 'mobile-topup-50', category: 'phone-credit', kind: 'topup', unitPrice: 5000 },
    { sku: 'mobile-topup-500', category: 'phone-credit', kind: 'topup', unitPrice: 50000 },
  ],
} as const satisfies Record<string, readonly Product[]>;
export type CatalogueLanguage = keyof typeof CATALOGUES;

/**
 * The card shop of the evaluation's regular buyers and whales (their game's cards, skins and
 * a gift card); its skus keep the names the committed evaluation reports were made with.
 */
export const CARD_SHOP = {
  welkin: { sku: 'welkin-30d', category: 'game-card', kind: 'purchase', unitPrice: 3000, merchantId: 'm_cards' },
  pass: { sku: 'battle-pass-68', category: 'game-card', kind: 'purchase', unitPrice: 6800, merchantId: 'm_cards' },
  pack328: { sku: 'crystal-pack-328', category: 'game-card', kind: 'purchase', unitPrice: 32800, merchantId: 'm_cards' },
  pack648: { sku: 'crystal-pack-648', category: 'game-card', kind: 'purchase', unitPrice: 64800, merchantId: 'm_cards' },
  skinSmall: { sku: 'skin-crimson', category: 'skin', kind: 'purchase', unitPrice: 3200, merchantId: 'm_cards' },
  skinLarge: { sku: 'skin-aurora', category: 'skin', kind: 'purchase', unitPrice: 7200, merchantId: 'm_cards' },
  gift300: { sku: 'gift-card-300', category: 'gift-card', kind: 'purchase', unitPrice: 30000, merchantId: 'm_cards' },
} satisfies Record<string, ShopItem>;

/** A card in another category at about the price of each everyday card: the mistaken pick. */
export const LOOKALIKE: Record<string, ShopItem> = {
  [CARD_SHOP.welkin.sku]: CARD_SHOP.skinSmall,
  [CARD_SHOP.pass.sku]: CARD_SHOP.skinLarge,
  [CARD_SHOP.pack328.sku]: CARD_SHOP.gift300,
};

/**
 * Shops where the evaluation's newcomers buy: shelves of items at a few price points each.
 * Neighbouring shelves rarely hold an item of the same price, which is what makes a
 * wrong-shelf purchase cost more or less than the item meant.
 */
export const NEWCOMER_SHOPS: { merchantId: string; shelves: Record<string, number[]> }[] = [
  { merchantId: 'm_pixelmart', shelves: { 'avatar-frame': [1800, 2800, 4500], 'emote-pack': [1200, 2500, 3900], theme: [2200, 3600, 6000], sticker: [600, 900, 1500] } },
  { merchantId: 'm_starforge', shelves: { 'starter-pack': [600, 3000], 'season-pass': [6800, 9800], mount: [12800, 19800], pet: [4800, 8800] } },
  { merchantId: 'm_tunebox', shelves: { 'song-credit': [800, 1600], album: [5000, 7500], ringtone: [300, 500], 'concert-stream': [9900, 15000] } },
];
