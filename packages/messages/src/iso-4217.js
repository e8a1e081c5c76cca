// ISO 4217 currencies and their minor units (the digits after the decimal point), as the
// standard's maintenance agency publishes them in list one (amendments up to January 2026).
// Kept here rather than read from Intl: the runtime's CLDR data gives the digits people
// usually write, not the standard's minor units (IDR, HUF, COP, PKR and a dozen more as 0
// where ISO 4217 says 2, IQD 0 for 3), and it knows neither CLF and UYW (4 digits) nor the
// other fund codes. Plain JavaScript, so the console's page reads the same table.

const current = {
  0: 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF',
  2: `AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE
      CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD
      HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK
      MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD
      RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH
      USD USN UYU UZS VED VES WST XAD XCD XCG YER ZAR ZMW ZWG`,
  3: 'BHD IQD JOD KWD LYD OMR TND',
  4: 'CLF UYW',
};

/**
 * Codes withdrawn from list one since 2021, still taken with the minor units they had: money
 * in them is still refunded, and some platforms have not moved to the successor yet (SLL
 * beside SLE, BGN and HRK beside EUR).
 */
const recentlyWithdrawn = { 2: 'ANG BGN CUC HRK SLL ZWL' };

/**
 * Codes list one gives no minor unit ("N.A."): precious metals, bond-market units, the SDR,
 * the Sucre, the ADB unit, the testing code and "no currency". No amount can be counted in
 * their minor units.
 */
export const CURRENCIES_WITHOUT_MINOR_UNITS = Object.freeze(new Set('XAG XAU XBA XBB XBC XBD XDR XPD XPT XSU XTS XUA XXX'.split(' ')));

const minorUnits = new Map(
  [current, recentlyWithdrawn].flatMap((table) =>
    Object.entries(table).flatMap(([digits, codes]) => codes.split(/\s+/).filter(Boolean).map((code) => [code, Number(digits)]))),
);

/** The currency's minor units by ISO 4217 (CNY 2, JPY 0, KWD 3, CLF 4), or undefined for a code amounts cannot be sent in. */
export function iso4217MinorUnits(code) {
  return minorUnits.get(code);
}
