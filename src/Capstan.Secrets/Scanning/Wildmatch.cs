namespace Capstan.Secrets.Scanning;

/// <summary>
/// Git's glob matcher (<c>wildmatch.c</c>), ported line by line so that <c>.gitignore</c> patterns mean here exactly what
/// they mean to git: <c>*</c>, <c>?</c>, <c>**</c>, <c>[a-z]</c>, <c>[!a]</c>/<c>[^a]</c>, <c>[[:digit:]]</c> and
/// backslash escapes. It works on UTF-8 bytes, as git does, so <c>?</c> matches one byte of a multi-byte character.
/// </summary>
/// <remarks>
/// The abort codes are what keep it from backtracking exponentially: once a <c>*</c> runs out of text, no shorter
/// attempt of an enclosing <c>*</c> can succeed either.
/// </remarks>
internal static class Wildmatch
{
    private const int Matched = 0;
    private const int NoMatch = 1;
    private const int AbortAll = -1;
    private const int AbortToStarStar = -2;

    /// <summary>
    /// True when <paramref name="text"/> matches <paramref name="pattern"/>; with <paramref name="pathname"/>,
    /// <c>*</c>, <c>?</c> and classes do not match <c>/</c> and only <c>**</c> spans folders (git's WM_PATHNAME).
    /// </summary>
    public static bool IsMatch(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text, bool pathname) =>
        DoWild(pattern, 0, text, 0, pathname) == Matched;

    // Reads like C's NUL-terminated strings: past the end is 0.
    private static byte At(ReadOnlySpan<byte> s, int i) => i < s.Length ? s[i] : (byte)0;

    private static bool IsGlobSpecial(byte c) => c is (byte)'*' or (byte)'?' or (byte)'[' or (byte)'\\';

    private static int DoWild(ReadOnlySpan<byte> pattern, int p, ReadOnlySpan<byte> text, int t, bool pathname)
    {
        for (; At(pattern, p) != 0; t++, p++)
        {
            var pch = pattern[p];
            var tch = At(text, t);
            if (tch == 0 && pch != '*')
            {
                return AbortAll;
            }

            switch (pch)
            {
                case (byte)'\\':
                    // A literal match with the next character; a trailing backslash matches nothing.
                    pch = At(pattern, ++p);
                    if (tch != pch)
                    {
                        return NoMatch;
                    }

                    continue;

                case (byte)'?':
                    if (pathname && tch == '/')
                    {
                        return NoMatch;
                    }

                    continue;

                case (byte)'*':
                    {
                        bool matchSlash;
                        if (At(pattern, ++p) == '*')
                        {
                            var prev = p - 2;
                            while (At(pattern, ++p) == '*')
                            {
                            }

                            if (!pathname)
                            {
                                matchSlash = true;
                            }
                            else if ((prev < 0 || pattern[prev] == '/')
                                && (At(pattern, p) == 0 || At(pattern, p) == '/' || (At(pattern, p) == '\\' && At(pattern, p + 1) == '/')))
                            {
                                // "foo/**/bar" also matches "foo/bar": try "**/" as matching nothing first.
                                if (At(pattern, p) == '/' && DoWild(pattern, p + 1, text, t, pathname) == Matched)
                                {
                                    return Matched;
                                }

                                matchSlash = true;
                            }
                            else
                            {
                                matchSlash = false;
                            }
                        }
                        else
                        {
                            matchSlash = !pathname;
                        }

                        if (At(pattern, p) == 0)
                        {
                            // A trailing "**" matches everything, a trailing "*" only what has no more slashes.
                            return !matchSlash && text[t..].Contains((byte)'/') ? NoMatch : Matched;
                        }

                        if (!matchSlash && At(pattern, p) == '/')
                        {
                            // One star followed by a slash matches the rest of this folder name.
                            var slash = text[t..].IndexOf((byte)'/');
                            if (slash < 0)
                            {
                                return NoMatch;
                            }

                            t += slash;
                            break;
                        }

                        while (true)
                        {
                            if (tch == 0)
                            {
                                break;
                            }

                            // Skip ahead to the next occurrence of a literal that follows the star.
                            if (!IsGlobSpecial(At(pattern, p)))
                            {
                                var literal = At(pattern, p);
                                while ((tch = At(text, t)) != 0 && (matchSlash || tch != '/'))
                                {
                                    if (tch == literal)
                                    {
                                        break;
                                    }

                                    t++;
                                }

                                if (tch != literal)
                                {
                                    return NoMatch;
                                }
                            }

                            var matched = DoWild(pattern, p, text, t, pathname);
                            if (matched != NoMatch)
                            {
                                if (!matchSlash || matched != AbortToStarStar)
                                {
                                    return matched;
                                }
                            }
                            else if (!matchSlash && tch == '/')
                            {
                                return AbortToStarStar;
                            }

                            tch = At(text, ++t);
                        }

                        return AbortAll;
                    }

                case (byte)'[':
                    {
                        pch = At(pattern, ++p);
                        if (pch == '^')
                        {
                            pch = (byte)'!';
                        }

                        var negated = pch == '!';
                        if (negated)
                        {
                            pch = At(pattern, ++p);
                        }

                        byte prevCh = 0;
                        var matched = false;
                        do
                        {
                            if (pch == 0)
                            {
                                return AbortAll;
                            }

                            if (pch == '\\')
                            {
                                pch = At(pattern, ++p);
                                if (pch == 0)
                                {
                                    return AbortAll;
                                }

                                if (tch == pch)
                                {
                                    matched = true;
                                }
                            }
                            else if (pch == '-' && prevCh != 0 && At(pattern, p + 1) != 0 && At(pattern, p + 1) != ']')
                            {
                                pch = At(pattern, ++p);
                                if (pch == '\\')
                                {
                                    pch = At(pattern, ++p);
                                    if (pch == 0)
                                    {
                                        return AbortAll;
                                    }
                                }

                                if (tch <= pch && tch >= prevCh)
                                {
                                    matched = true;
                                }

                                pch = 0; // so that the next character does not start a range
                            }
                            else if (pch == '[' && At(pattern, p + 1) == ':')
                            {
                                var start = p += 2;
                                while ((pch = At(pattern, p)) != 0 && pch != ']')
                                {
                                    p++;
                                }

                                if (pch == 0)
                                {
                                    return AbortAll;
                                }

                                var length = p - start - 1;
                                if (length < 0 || pattern[p - 1] != ':')
                                {
                                    // No ":]": the '[' is an ordinary member of the set.
                                    p = start - 2;
                                    pch = (byte)'[';
                                    if (tch == pch)
                                    {
                                        matched = true;
                                    }

                                    continue;
                                }

                                switch (ClassMatches(pattern.Slice(start, length), tch))
                                {
                                    case null:
                                        return AbortAll; // an unknown [:class:]
                                    case true:
                                        matched = true;
                                        break;
                                }

                                pch = 0;
                            }
                            else if (tch == pch)
                            {
                                matched = true;
                            }
                        }
                        while (Advance(ref prevCh, ref pch, pattern, ref p));

                        if (matched == negated || (pathname && tch == '/'))
                        {
                            return NoMatch;
                        }

                        continue;
                    }

                default:
                    if (tch != pch)
                    {
                        return NoMatch;
                    }

                    continue;
            }
        }

        return t < text.Length ? NoMatch : Matched;
    }

    // C's "while (prev_ch = p_ch, (p_ch = *++p) != ']')".
    private static bool Advance(ref byte prevCh, ref byte pch, ReadOnlySpan<byte> pattern, ref int p)
    {
        prevCh = pch;
        pch = At(pattern, ++p);
        return pch != ']';
    }

    // git's sane_ctype: ASCII only, and "space" is space, tab, LF and CR.
    private static bool? ClassMatches(ReadOnlySpan<byte> name, byte c) => System.Text.Encoding.ASCII.GetString(name) switch
    {
        "alnum" => IsAlpha(c) || IsDigit(c),
        "alpha" => IsAlpha(c),
        "blank" => c is (byte)' ' or (byte)'\t',
        "cntrl" => c < 0x20 || c == 0x7f,
        "digit" => IsDigit(c),
        "graph" => c > 0x20 && c < 0x7f,
        "lower" => c is >= (byte)'a' and <= (byte)'z',
        "print" => c >= 0x20 && c < 0x7f,
        "punct" => c > 0x20 && c < 0x7f && !IsAlpha(c) && !IsDigit(c),
        "space" => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r',
        "upper" => c is >= (byte)'A' and <= (byte)'Z',
        "xdigit" => IsDigit(c) || c is >= (byte)'a' and <= (byte)'f' || c is >= (byte)'A' and <= (byte)'F',
        _ => null,
    };

    private static bool IsAlpha(byte c) => c is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z';

    private static bool IsDigit(byte c) => c is >= (byte)'0' and <= (byte)'9';
}
