#pragma once
// A phonetic key for one ASCII name token, designed for cityid's duplicate detection.
//
// The inputs are not spellings chosen by one writer but transliterations: the same person's name
// reaches us typed in Latin by a clerk, romanized by ICU from Cyrillic (BGN/PCGN), Arabic or
// Hebrew (consonants only), Greek, Han (pinyin)... Classic English-spelling codes (Soundex,
// NYSIIS, Metaphone) keep the first letter verbatim and treat J, H, KH, C and S as different
// sounds, so "Jose" / "Hose" / "Khose" or "Ali" / "ly" (Arabic ʿly) never meet. This key is a
// consonant skeleton over coarse sound classes:
//
//   1. Keep the letters a-z (A-Z are lowercased; anything else is ignored).
//   2. Scan left to right; at each position the first matching rule emits class symbols:
//        vowels a e i o u y                   -> (vowel: nothing)
//        "dzh", "dj"                          -> K   Cyrillic дж and French dj, as English j
//        "chr", "chl"                         -> K   (Christos, Chloe)
//        "tch"                                -> S   (Tchaikovsky ~ Chaykovskiy)
//        "ch", "sh", "zh", "ts", "tz", "cz"   -> S   sibilants and affricates: ч ш ж ц
//        "ph", "bh"                           -> P
//        "th", "dh"                           -> T
//        c before e, i, y                     -> S   (Garcia ~ Garsiya)
//        c otherwise                          -> K
//        x                                    -> K S (Alexander ~ Aleksandr)
//        h at the end of the token            -> nothing (Sarah ~ Sara, Arabic ة)
//        h elsewhere                          -> K   (Hose ~ Khose ~ Jose, Arabic ح)
//        j after a vowel, not before one      -> nothing (Cyrillic й: Sergej ~ Sergey)
//        j otherwise                          -> K   (Spanish j: Jose ~ Hose)
//        w before a vowel, or after a, e, o   -> P   (w ~ v: Iwanow ~ Ivanov, Arabic dawd ~
//                                                    Dawood)
//        w otherwise                          -> nothing (Arabic/Hebrew و as a vowel after a
//                                                    consonant or y: mhmwd ~ Mahmud, ywsf ~ Yusuf)
//        b p f v                              -> P   (Hebrew פ p/f, Greek β b/v, Spanish b/v)
//        g k q                                -> K   (Korean Gim ~ Kim)
//        s z                                  -> S
//        t d                                  -> T   (Ahmed ~ Ahmet)
//        l -> L, m -> M, n -> N, r -> R
//   3. Drop the vowels and collapse runs of the same symbol, across vowels too: Soundex keeps
//      "Cohen" as C5 but the Hebrew "khn" has no vowel between its K sounds, and Arabic "mhmd"
//      none between them either.
//   4. A token with letters but no consonant ("Ai", "Eo") gives "V"; one without letters "".
//
// Examples: jose, hose, khose -> "KS"; garcia, garsiya -> "KRS"; mohammed, muhammad, mhmd
// -> "MKMT"; muller, mueller -> "MLR"; cohen, kohn, khn -> "KN"; philip, filip -> "PLP";
// evgeniy, yevgeny, evgenij -> "PKN"; ana -> "N"; lopez -> "LPS"; perez -> "PRS".
//
// The classes are deliberately coarse (roughly Soundex's), so different names collide more
// often than with Soundex; cityid only ever combines keys with the date of birth and the other
// name tokens (dedup_keys.h), and a match only asks a supervisor to look.
//
// Pure function, thread-safe, no allocation beyond the result.

#include <string>
#include <string_view>

namespace cityid::dedup {

// Returns the phonetic key of one token (see above), a string over "PKSTLMNR" or "V" or "".
std::string PhoneticKey(std::string_view ascii_token);

}  // namespace cityid::dedup
