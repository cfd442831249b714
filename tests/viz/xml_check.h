// A small XML well-formedness checker for the SVG and HTML the viz renderers write: balanced tags, quoted
// attributes, no raw '<' or '>' in text, no unknown entities, one root. It records every element with
// its attributes and decoded text so tests can count and inspect them.
#pragma once
#include <cctype>
#include <map>
#include <string>
#include <vector>

namespace attend::testing_util {

struct XmlElement {
  std::string name;
  std::map<std::string, std::string> attrs;  // values entity-decoded
  std::string text;                          // decoded character data directly inside (not in children)
  std::string path;                          // ancestors, "svg/g/rect"
};

struct XmlDoc {
  bool ok = false;
  std::string error;
  std::vector<XmlElement> elements;  // in document order
  int count(const std::string& name, const std::string& cls = "") const {
    int n = 0;
    for (const auto& e : elements) {
      if (e.name != name) continue;
      auto it = e.attrs.find("class");
      if (cls.empty() || (it != e.attrs.end() && it->second == cls)) ++n;
    }
    return n;
  }
  std::vector<const XmlElement*> find(const std::string& name, const std::string& cls = "") const {
    std::vector<const XmlElement*> out;
    for (const auto& e : elements) {
      if (e.name != name) continue;
      auto it = e.attrs.find("class");
      if (cls.empty() || (it != e.attrs.end() && it->second == cls)) out.push_back(&e);
    }
    return out;
  }
};

namespace xml_detail {

// Decodes entities in [b, e); false on a bare '&' or an unknown entity.
inline bool decode(const std::string& s, size_t b, size_t e, std::string& out, std::string& err) {
  for (size_t i = b; i < e; ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    const size_t semi = s.find(';', i);
    if (semi == std::string::npos || semi >= e) return err = "bare '&' at " + std::to_string(i), false;
    const std::string name = s.substr(i + 1, semi - i - 1);
    if (name == "amp")
      out += '&';
    else if (name == "lt")
      out += '<';
    else if (name == "gt")
      out += '>';
    else if (name == "quot")
      out += '"';
    else if (name == "apos")
      out += '\'';
    else if (name.size() > 1 && name[0] == '#')
      out += '?';
    else
      return err = "unknown entity &" + name + "; at " + std::to_string(i), false;
    i = semi;
  }
  return true;
}

inline bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':';
}

}  // namespace xml_detail

inline XmlDoc check_xml(const std::string& s) {
  XmlDoc doc;
  std::vector<size_t> stack;  // indices into doc.elements
  int roots = 0;
  auto fail = [&doc](std::string msg) {
    doc.ok = false;
    doc.error = std::move(msg);
    return doc;
  };
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '<') {
      const size_t next = s.find('<', i);
      const size_t end = next == std::string::npos ? s.size() : next;
      if (s.find('>', i) < end) return fail("raw '>' in text at " + std::to_string(s.find('>', i)));
      std::string text, err;
      if (!xml_detail::decode(s, i, end, text, err)) return fail(err);
      if (stack.empty()) {
        if (text.find_first_not_of(" \t\r\n") != std::string::npos) return fail("text outside the root element");
      } else {
        doc.elements[stack.back()].text += text;
      }
      i = end;
      continue;
    }
    if (s.compare(i, 4, "<!--") == 0) {
      const size_t e = s.find("-->", i);
      if (e == std::string::npos) return fail("unterminated comment");
      i = e + 3;
      continue;
    }
    if (s.compare(i, 2, "<!") == 0 || s.compare(i, 2, "<?") == 0) {  // DOCTYPE, prolog
      if (!stack.empty() || roots) return fail("declaration inside the document at " + std::to_string(i));
      const size_t e = s.find('>', i);
      if (e == std::string::npos) return fail("unterminated declaration");
      i = e + 1;
      continue;
    }
    if (s.compare(i, 2, "</") == 0) {
      size_t j = i + 2;
      while (j < s.size() && xml_detail::name_char(s[j])) ++j;
      const std::string name = s.substr(i + 2, j - i - 2);
      if (j >= s.size() || s[j] != '>') return fail("bad end tag </" + name + " at " + std::to_string(i));
      if (stack.empty() || doc.elements[stack.back()].name != name)
        return fail("end tag </" + name + "> does not match " +
                    (stack.empty() ? std::string("nothing") : "<" + doc.elements[stack.back()].name + ">"));
      stack.pop_back();
      i = j + 1;
      continue;
    }
    // Start tag.
    size_t j = i + 1;
    while (j < s.size() && xml_detail::name_char(s[j])) ++j;
    XmlElement el;
    el.name = s.substr(i + 1, j - i - 1);
    if (el.name.empty()) return fail("bad tag at " + std::to_string(i));
    if (stack.empty() && roots++) return fail("second root element <" + el.name + ">");
    for (size_t k : stack) el.path += doc.elements[k].name + "/";
    el.path += el.name;
    bool self_closing = false;
    for (;;) {
      while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      if (j >= s.size()) return fail("unterminated tag <" + el.name + ">");
      if (s[j] == '>') {
        ++j;
        break;
      }
      if (s.compare(j, 2, "/>") == 0) {
        self_closing = true;
        j += 2;
        break;
      }
      const size_t a = j;
      while (j < s.size() && xml_detail::name_char(s[j])) ++j;
      const std::string attr = s.substr(a, j - a);
      if (attr.empty() || j + 1 >= s.size() || s[j] != '=' || (s[j + 1] != '"' && s[j + 1] != '\''))
        return fail("attribute without a quoted value in <" + el.name + "> at " + std::to_string(a));
      const char q = s[j + 1];
      const size_t close = s.find(q, j + 2);
      if (close == std::string::npos) return fail("unterminated attribute " + attr);
      if (s.find('<', j + 2) < close) return fail("raw '<' in attribute " + attr);
      std::string value, err;
      if (!xml_detail::decode(s, j + 2, close, value, err)) return fail(err);
      if (el.attrs.count(attr)) return fail("duplicate attribute " + attr);
      el.attrs[attr] = value;
      j = close + 1;
    }
    doc.elements.push_back(std::move(el));
    if (!self_closing) stack.push_back(doc.elements.size() - 1);
    i = j;
  }
  if (!stack.empty()) return fail("unclosed <" + doc.elements[stack.back()].name + ">");
  if (roots != 1) return fail("no root element");
  doc.ok = true;
  return doc;
}

}  // namespace attend::testing_util
