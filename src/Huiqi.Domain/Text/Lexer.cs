using System.Text;

namespace Huiqi.Domain.Text;

internal enum TokenKind
{
    Word,        // identifiers, codes and keywords: region, C2710, and, electronic_info
    Number,      // -12, 3.5, 620100 — with an optional money unit in Unit
    Date,        // 2026-01-31
    String,      // "quoted", with \" \\ \n escapes
    Symbol,      // ( ) [ ] , = != < <= > >=
    End,
}

internal readonly record struct Token(TokenKind Kind, string Text, int Line, int Column, string? Unit = null)
{
    public bool Is(string text) => Kind is TokenKind.Word or TokenKind.Symbol && Text == text;

    public override string ToString() => Kind == TokenKind.End ? "输入结束" : $"“{Text}{Unit}”";
}

internal static class Lexer
{
    public static List<Token> Tokenize(string source)
    {
        var tokens = new List<Token>();
        int i = 0, line = 1, lineStart = 0;
        while (true)
        {
            while (i < source.Length && char.IsWhiteSpace(source[i]))
            {
                if (source[i] == '\n')
                {
                    line++;
                    lineStart = i + 1;
                }

                i++;
            }

            var column = i - lineStart + 1;
            if (i >= source.Length)
            {
                tokens.Add(new Token(TokenKind.End, "", line, column));
                return tokens;
            }

            var c = source[i];
            if (c == '"')
            {
                tokens.Add(new Token(TokenKind.String, ReadString(source, ref i, line, column), line, column));
            }
            else if (char.IsAsciiDigit(c) || (c == '-' && i + 1 < source.Length && char.IsAsciiDigit(source[i + 1])))
            {
                tokens.Add(ReadNumberOrDate(source, ref i, line, column));
            }
            else if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = i;
                while (i < source.Length && IsWordChar(source[i]))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Word, source[start..i], line, column));
            }
            else if (c is '(' or ')' or '[' or ']' or ',' or '=')
            {
                tokens.Add(new Token(TokenKind.Symbol, c.ToString(), line, column));
                i++;
            }
            else if (c is '<' or '>' or '!')
            {
                if (i + 1 < source.Length && source[i + 1] == '=')
                {
                    tokens.Add(new Token(TokenKind.Symbol, source.Substring(i, 2), line, column));
                    i += 2;
                }
                else if (c == '!')
                {
                    throw new CriteriaTextException("“!” 后应为 “=”", line, column);
                }
                else
                {
                    tokens.Add(new Token(TokenKind.Symbol, c.ToString(), line, column));
                    i++;
                }
            }
            else
            {
                throw new CriteriaTextException($"无法识别的字符“{c}”（中文等文本请加英文双引号）", line, column);
            }
        }
    }

    /// <summary>Characters of a bare word: letters, digits, _, - and . (codes like lanzhou-hitech, C2710).</summary>
    public static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.';

    private static string ReadString(string source, ref int i, int line, int column)
    {
        var text = new StringBuilder();
        i++; // opening quote
        while (i < source.Length)
        {
            var c = source[i++];
            if (c == '"')
            {
                return text.ToString();
            }

            if (c == '\\')
            {
                if (i >= source.Length)
                {
                    break;
                }

                var escaped = source[i++];
                text.Append(escaped switch
                {
                    'n' => '\n',
                    't' => '\t',
                    '"' => '"',
                    '\\' => '\\',
                    _ => throw new CriteriaTextException($"未知的转义“\\{escaped}”", line, column),
                });
            }
            else
            {
                text.Append(c);
            }
        }

        throw new CriteriaTextException("字符串缺少结尾的双引号", line, column);
    }

    private static Token ReadNumberOrDate(string source, ref int i, int line, int column)
    {
        var start = i;
        if (source[i] == '-')
        {
            i++;
        }

        while (i < source.Length && (char.IsAsciiDigit(source[i]) || source[i] == '.'))
        {
            i++;
        }

        // A date: dddd-dd-dd
        if (i - start == 4 && source[start] != '-' && !source.AsSpan(start, 4).Contains('.') && i + 6 <= source.Length
            && source[i] == '-' && char.IsAsciiDigit(source[i + 1]) && char.IsAsciiDigit(source[i + 2]) && source[i + 3] == '-'
            && char.IsAsciiDigit(source[i + 4]) && char.IsAsciiDigit(source[i + 5]))
        {
            i += 6;
            return new Token(TokenKind.Date, source[start..i], line, column);
        }

        var number = source[start..i];
        string? unit = null;
        foreach (var candidate in new[] { "万元", "万", "元", "分" })
        {
            if (string.CompareOrdinal(source, i, candidate, 0, candidate.Length) == 0)
            {
                unit = candidate;
                i += candidate.Length;
                break;
            }
        }

        if (unit is null && i < source.Length && IsWordChar(source[i]))
        {
            // Codes that start with digits but go on with letters, e.g. 91620100MA…: a word.
            while (i < source.Length && IsWordChar(source[i]))
            {
                i++;
            }

            return new Token(TokenKind.Word, source[start..i], line, column);
        }

        return new Token(TokenKind.Number, number, line, column, unit);
    }
}
