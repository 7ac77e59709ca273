namespace Huiqi.Domain.Profiles;

/// <summary>统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character over the first 17.</summary>
public static class Uscc
{
    private const string Alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"; // 31 characters: no I, O, S, V, Z
    private static readonly int[] Weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

    public static bool IsValid(string? code) =>
        code is { Length: 18 } && code.All(c => Alphabet.Contains(c, StringComparison.Ordinal)) && CheckCharacter(code.AsSpan(0, 17)) == code[17];

    /// <summary>The check character for the first 17 characters: 31 - (Σ value × weight mod 31), with 31 → 0.</summary>
    public static char CheckCharacter(ReadOnlySpan<char> first17)
    {
        if (first17.Length != 17)
        {
            throw new ArgumentException("exactly 17 characters are needed", nameof(first17));
        }

        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            var value = Alphabet.IndexOf(first17[i], StringComparison.Ordinal);
            if (value < 0)
            {
                throw new ArgumentException($"'{first17[i]}' is not a USCC character", nameof(first17));
            }

            sum += value * Weights[i];
        }

        var check = 31 - sum % 31;
        return Alphabet[check == 31 ? 0 : check];
    }

    /// <summary>Completes 17 characters into a valid code.</summary>
    public static string Complete(string first17) => first17 + CheckCharacter(first17);
}
