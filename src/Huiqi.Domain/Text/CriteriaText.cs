using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Huiqi.Domain.Common;
using Huiqi.Domain.Criteria;

namespace Huiqi.Domain.Text;

/// <summary>
/// The compact text form of criteria for staff and the CLI, e.g.
/// <c>region under 620100 and cert high_tech within 12 months and annual_revenue &lt; 2000万 and not dishonest = true</c>.
/// <para>Grammar: <c>or</c> binds looser than <c>and</c>, <c>not</c> tighter; parentheses make a nested group;
/// <c>all(…)</c> / <c>any(…)</c> write groups of any size (also empty or single); lists are <c>[a, b]</c>;
/// <c>between lo and hi</c>; money takes 万 / 元 / 分 (a bare integer is fen); text that is not a bare code goes in
/// double quotes.</para>
/// <c>Parse(Print(c)) == c</c> for every valid tree.
/// </summary>
public static partial class CriteriaText
{
    private static readonly HashSet<string> Keywords =
    [
        "and", "or", "not", "all", "any", "cert", "level", "within", "months", "true", "false",
        "eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "under", "between", "has_any", "has_all", "has_none",
    ];

    public static Criterion Parse(string text)
    {
        var parser = new Parser(Lexer.Tokenize(text));
        return parser.ParseAll();
    }

    public static string Print(Criterion criterion)
    {
        var text = new StringBuilder();
        PrintNode(criterion, text, nested: false);
        return text.ToString();
    }

    private static void PrintNode(Criterion node, StringBuilder text, bool nested)
    {
        switch (node)
        {
            case AllOf { Children.Count: >= 2 } all:
                PrintJoined(all.Children, " and ", text, nested);
                break;
            case AnyOf { Children.Count: >= 2 } any:
                PrintJoined(any.Children, " or ", text, nested);
                break;
            case AllOf all:
                PrintFunction("all", all.Children, text);
                break;
            case AnyOf any:
                PrintFunction("any", any.Children, text);
                break;
            case Not not:
                text.Append("not ");
                PrintNode(not.Child, text, nested: true);
                break;
            case Predicate predicate:
                PrintPredicate(predicate, text);
                break;
            case CertPredicate cert:
                text.Append("cert ").Append(cert.Kind);
                if (cert.Level is not null)
                {
                    text.Append(" level ").Append(cert.Level);
                }

                if (cert.ObtainedWithinMonths is { } months)
                {
                    text.Append(" within ").Append(months.ToString(CultureInfo.InvariantCulture)).Append(" months");
                }

                break;
        }
    }

    private static void PrintJoined(EquatableArray<Criterion> children, string separator, StringBuilder text, bool nested)
    {
        if (nested)
        {
            text.Append('(');
        }

        for (var i = 0; i < children.Count; i++)
        {
            if (i > 0)
            {
                text.Append(separator);
            }

            PrintNode(children[i], text, nested: true);
        }

        if (nested)
        {
            text.Append(')');
        }
    }

    private static void PrintFunction(string name, EquatableArray<Criterion> children, StringBuilder text)
    {
        text.Append(name).Append('(');
        for (var i = 0; i < children.Count; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
            }

            PrintNode(children[i], text, nested: false);
        }

        text.Append(')');
    }

    private static void PrintPredicate(Predicate predicate, StringBuilder text)
    {
        var field = FieldCatalog.Get(predicate.Field);
        text.Append(predicate.Field).Append(' ').Append(OpSymbol(predicate.Op)).Append(' ');
        if (predicate.Op == Op.Between)
        {
            text.Append(PrintValue(field, predicate.Values[0])).Append(" and ").Append(PrintValue(field, predicate.Values[1]));
        }
        else if (predicate.Op.TakesList())
        {
            text.Append('[').AppendJoin(", ", predicate.Values.Select(v => PrintValue(field, v))).Append(']');
        }
        else
        {
            text.Append(PrintValue(field, predicate.Values[0]));
        }
    }

    private static string OpSymbol(Op op) => op switch
    {
        Op.Eq => "=",
        Op.Ne => "!=",
        Op.Lt => "<",
        Op.Le => "<=",
        Op.Gt => ">",
        Op.Ge => ">=",
        _ => op.Name(),
    };

    private static string PrintValue(FieldDef field, Operand operand) => operand switch
    {
        IntegerOperand n when field.Type == FieldType.Money => PrintMoney(n.Value),
        IntegerOperand n => n.Value.ToString(CultureInfo.InvariantCulture),
        DateOperand d => Dates.Format(d.Value),
        BoolOperand b => b.Value ? "true" : "false",
        TextOperand t => BareText().IsMatch(t.Value) && !Keywords.Contains(t.Value) ? t.Value : Quote(t.Value),
        _ => throw new ArgumentOutOfRangeException(nameof(operand)),
    };

    private static string PrintMoney(long fen)
    {
        if (fen != 0 && fen % 1_000_000 == 0)
        {
            return (fen / 1_000_000).ToString(CultureInfo.InvariantCulture) + "万";
        }

        return fen % 100 == 0
            ? (fen / 100).ToString(CultureInfo.InvariantCulture) + "元"
            : (fen / 100m).ToString("0.00", CultureInfo.InvariantCulture) + "元";
    }

    private static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal) + "\"";

    /// <summary>Text that reads back as itself without quotes: a word (letters first) or a plain run of digits.</summary>
    [GeneratedRegex(@"^(?:[A-Za-z_][A-Za-z0-9_\-.]*|[0-9]+)$")]
    private static partial Regex BareText();

    private sealed class Parser(List<Token> tokens)
    {
        private int _position;

        private Token Current => tokens[_position];

        public Criterion ParseAll()
        {
            var result = ParseOr();
            if (Current.Kind != TokenKind.End)
            {
                throw Error($"多余的内容 {Current}，此处应为 and、or 或结束");
            }

            return result;
        }

        private Criterion ParseOr()
        {
            var first = ParseAnd();
            if (!Current.Is("or"))
            {
                return first;
            }

            var children = new List<Criterion> { first };
            while (Current.Is("or"))
            {
                _position++;
                children.Add(ParseAnd());
            }

            return new AnyOf(children.ToEquatableArray());
        }

        private Criterion ParseAnd()
        {
            var first = ParseUnary();
            if (!Current.Is("and"))
            {
                return first;
            }

            var children = new List<Criterion> { first };
            while (Current.Is("and"))
            {
                _position++;
                children.Add(ParseUnary());
            }

            return new AllOf(children.ToEquatableArray());
        }

        private Criterion ParseUnary()
        {
            if (Current.Is("not"))
            {
                _position++;
                return new Not(ParseUnary());
            }

            return ParsePrimary();
        }

        private Criterion ParsePrimary()
        {
            var token = Current;
            if (token.Is("("))
            {
                _position++;
                var inner = ParseOr();
                Expect(")");
                return inner;
            }

            if ((token.Is("all") || token.Is("any")) && tokens[_position + 1].Is("("))
            {
                _position += 2;
                var children = new List<Criterion>();
                if (!Current.Is(")"))
                {
                    children.Add(ParseOr());
                    while (Current.Is(","))
                    {
                        _position++;
                        children.Add(ParseOr());
                    }
                }

                Expect(")");
                return token.Text == "all" ? new AllOf(children.ToEquatableArray()) : new AnyOf(children.ToEquatableArray());
            }

            if (token.Is("cert"))
            {
                return ParseCert();
            }

            if (token.Kind == TokenKind.Word)
            {
                return ParsePredicate();
            }

            throw Error($"此处应为条件（字段名、cert、not、all(…)、any(…) 或括号），却是 {token}");
        }

        private CertPredicate ParseCert()
        {
            var start = Current;
            _position++;
            var kind = ExpectWord("资质类型（如 high_tech）");
            string? level = null;
            int? months = null;
            if (Current.Is("level"))
            {
                _position++;
                level = ExpectWord("资质级别（national、provincial 或 municipal）");
            }

            if (Current.Is("within"))
            {
                _position++;
                var number = Current;
                if (number.Kind != TokenKind.Number || number.Unit is not null || !int.TryParse(number.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                {
                    throw Error($"within 后应为月数（正整数），却是 {number}");
                }

                _position++;
                months = n;
                if (!Current.Is("months"))
                {
                    throw Error($"月数后应为 months，却是 {Current}");
                }

                _position++;
            }

            var cert = new CertPredicate(kind, level, months);
            ThrowIfInvalid(cert, start);
            return cert;
        }

        private Predicate ParsePredicate()
        {
            var fieldToken = Current;
            if (!FieldCatalog.TryGet(fieldToken.Text, out var field))
            {
                throw Error($"未知字段“{fieldToken.Text}”", "criteria.unknown_field");
            }

            _position++;
            var opToken = Current;
            var op = ParseOp();
            if (!field.TakesOp(op))
            {
                throw new CriteriaTextException($"字段“{field.Label}”（{field.Name}）不支持运算符 {op.Name()}", opToken.Line, opToken.Column, "criteria.op_not_allowed");
            }

            var values = new List<Operand>();
            if (op == Op.Between)
            {
                values.Add(ParseValue(field));
                Expect("and");
                values.Add(ParseValue(field));
            }
            else if (op.TakesList())
            {
                Expect("[");
                values.Add(ParseValue(field));
                while (Current.Is(","))
                {
                    _position++;
                    values.Add(ParseValue(field));
                }

                Expect("]");
            }
            else
            {
                values.Add(ParseValue(field));
            }

            var predicate = new Predicate(field.Name, op, values.ToEquatableArray());
            ThrowIfInvalid(predicate, fieldToken);
            return predicate;
        }

        private Op ParseOp()
        {
            var token = Current;
            Op? op = token.Text switch
            {
                "=" or "eq" => Op.Eq,
                "!=" or "ne" => Op.Ne,
                "<" or "lt" => Op.Lt,
                "<=" or "le" => Op.Le,
                ">" or "gt" => Op.Gt,
                ">=" or "ge" => Op.Ge,
                _ when token.Kind == TokenKind.Word && OpNames.TryParse(token.Text, out var named) => named,
                _ => null,
            };
            if (op is null || token.Kind is not (TokenKind.Word or TokenKind.Symbol))
            {
                throw Error($"此处应为运算符（=、!=、<、<=、>、>=、in、not_in、under、between、has_any、has_all、has_none），却是 {token}");
            }

            _position++;
            return op.Value;
        }

        private Operand ParseValue(FieldDef field)
        {
            var token = Current;
            _position++;
            switch (field.Type)
            {
                case FieldType.Money:
                    return token.Kind == TokenKind.Number ? new IntegerOperand(ToFen(token)) : throw ValueError(token, "金额（如 2000万、12.5万元、800元，或以分计的整数）");
                case FieldType.Integer:
                    return token.Kind == TokenKind.Number && token.Unit is null && long.TryParse(token.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
                        ? new IntegerOperand(n)
                        : throw ValueError(token, "整数");
                case FieldType.Date:
                    return token.Kind == TokenKind.Date && Dates.TryParse(token.Text, out var date)
                        ? new DateOperand(date)
                        : throw ValueError(token, "日期（YYYY-MM-DD）");
                case FieldType.Bool:
                    return token.Is("true") ? new BoolOperand(true) : token.Is("false") ? new BoolOperand(false) : throw ValueError(token, "true 或 false");
                default:
                    return token.Kind switch
                    {
                        TokenKind.String => new TextOperand(token.Text),
                        TokenKind.Word when !Keywords.Contains(token.Text) => new TextOperand(token.Text),
                        TokenKind.Number when token.Unit is null => new TextOperand(token.Text),
                        TokenKind.Date => new TextOperand(token.Text),
                        _ => throw ValueError(token, "代码或带英文双引号的文本"),
                    };
            }
        }

        private long ToFen(Token token)
        {
            if (!decimal.TryParse(token.Text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                throw ValueError(token, "金额");
            }

            var fen = token.Unit switch
            {
                "万" or "万元" => number * 1_000_000m,
                "元" => number * 100m,
                _ => number,
            };
            if (fen != decimal.Truncate(fen) || fen > long.MaxValue || fen < long.MinValue)
            {
                throw new CriteriaTextException($"金额 {token.Text}{token.Unit} 不是整数分", token.Line, token.Column, "criteria.operand_value");
            }

            return (long)fen;
        }

        private void ThrowIfInvalid(Criterion leaf, Token at)
        {
            var errors = CriteriaValidator.Validate(leaf, "");
            if (errors.Count > 0)
            {
                throw new CriteriaTextException(errors[0].Message, at.Line, at.Column, errors[0].Code);
            }
        }

        private string ExpectWord(string what)
        {
            var token = Current;
            if (token.Kind != TokenKind.Word || Keywords.Contains(token.Text))
            {
                throw Error($"此处应为{what}，却是 {token}");
            }

            _position++;
            return token.Text;
        }

        private void Expect(string text)
        {
            if (!Current.Is(text))
            {
                throw Error($"此处应为“{text}”，却是 {Current}");
            }

            _position++;
        }

        private CriteriaTextException ValueError(Token token, string expected) =>
            new($"此处应为{expected}，却是 {token}", token.Line, token.Column, "criteria.operand_type");

        private CriteriaTextException Error(string reason, string code = "criteria_text.syntax") =>
            new(reason, Current.Line, Current.Column, code);
    }
}
