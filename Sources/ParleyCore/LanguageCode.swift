/// Language codes: ISO 639-1, plus the few three-letter codes Whisper uses.
public enum LanguageCode {
    /// The languages Whisper's multilingual models recognise.
    public static let whisper: Set<String> = Set("""
        en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no th ur hr \
        bg lt la mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw gl mr pa si km sn \
        yo so af oc ka be tg sd gu am yi lo uz fo ht ps tk nn mt sa lb my bo tl mg as tt haw ln ha ba jw su yue
        """.split(separator: " ").map(String.init))

    /// Every code the API accepts.
    public static let known: Set<String> = whisper.union("""
        aa ab ae ak an av ay bh bi bm ce ch co cr cu cv dv dz ee eo ff fj fy ga gd gn gv ho hz ia ie ig ii \
        ik io iu jv kg ki kj kl kr ks ku kv kw ky lg li lu mh na nb nd ng nr nv ny oj om or os pi qu rm rn \
        rw sc se sg sm ss st ti tn to ts tw ty ug ve vo wa wo xh za zu
        """.split(separator: " ").map(String.init))

    /// Normalises a client's code (`"PT-br"` → `"pt"`); nil when it is not known.
    public static func normalize(_ raw: String) -> String? {
        let base = raw.lowercased().split(whereSeparator: { $0 == "-" || $0 == "_" }).first.map(String.init) ?? ""
        return known.contains(base) ? base : nil
    }
}
