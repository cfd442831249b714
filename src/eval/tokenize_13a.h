// sacreBLEU's default BLEU tokenizer "13a", the tokenisation of mteval-v13a.pl that WMT scores with.
#pragma once
#include <string>
#include <string_view>

namespace attend::eval {

// Tokenizes one segment exactly as sacreBLEU's Tokenizer13a does:
//   1. remove "<skipped>", join "-\n", turn "\n" into a space;
//   2. unescape &quot; &amp; &lt; &gt; (in that order, each over the whole line);
//   3. pad with a space on both sides, then apply in turn (each a left-to-right, non-overlapping rewrite):
//      a. space out every character of  { | } ~ [ \ ] ^ _ ` space ! " # $ % & ( ) * + : ; < = > ? @ /
//      b. space out "." and "," unless preceded by a digit  ([^0-9])([.,]) -> "\1 \2 "
//      c. space out "." and "," unless followed by a digit  ([.,])([^0-9]) -> " \1 \2"
//      d. space out "-" after a digit                        ([0-9])(-)     -> "\1 \2 "
//   4. split on (Unicode) whitespace and join with single spaces.
// The apostrophe, letters, digits and non-ASCII characters are left alone. BLEU applies it to the
// right-stripped line.
std::string tokenize_13a(std::string_view line);

}  // namespace attend::eval
