using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Huiqi.Domain.Common;
using Huiqi.Domain.Criteria;
using Huiqi.Gateway.Http;
using V1 = Huiqi.Contracts.V1;

namespace Huiqi.Gateway.Eligibility;

/// <summary>
/// An answer's explained conditions: the contract's messages, each written as its <see cref="ConditionView"/>
/// (<see cref="EligibilityViews.Condition"/>). A type of its own so that
/// <see cref="EncodedConditionsConverter"/> writes it while the answer around it keeps the serializer's generated
/// writer (a converter named on a property instead would send the whole answer down the slower metadata path).
/// </summary>
[JsonConverter(typeof(EncodedConditionsConverter))]
public sealed class ConditionViews(IReadOnlyList<V1.ConditionExplanation> explained)
{
    internal IReadOnlyList<V1.ConditionExplanation> Explained => explained;
}

/// <summary>
/// Writes an answer's explained conditions, keeping each condition's JSON once it has been written: most of them recur
/// word for word across enterprises (<c>所在地区 兰州新区（620171），要求位于兰州市（620100）辖区内：满足</c> is the same
/// sentence for every enterprise of that district), and encoding their zh-CN sentences (escaping scan, UTF-16 →
/// UTF-8) was the largest single cost of the answer route (docs/benchmarks.md).
/// </summary>
/// <remarks>
/// Keyed by the whole message (the contract's equality over every field, the operands by value), so a kept fragment is
/// exactly what writing that message's view gives, and a recurring condition costs no view at all; kept only for the
/// gateway's own writer settings (relaxed encoder, not indented).
/// Only conditions whose values come from a small vocabulary are kept (codes, sets, yes/no, closed lists,
/// certifications, and any condition whose fact is missing): a revenue or a headcount is nearly always new, and
/// keeping it would only churn the cache. Bounded: emptied when full.
/// </remarks>
public sealed class EncodedConditionsConverter : JsonConverter<ConditionViews>
{
    /// <summary>An entry is a fragment of a few hundred bytes and its key's copy: by estimate (not measured) ~10 MB at most.</summary>
    public const int Capacity = 16_384;

    private static readonly BoundedMemo<V1.ConditionExplanation, byte[]> Kept = new(Capacity, BySentence.Instance);

    private static readonly JsonWriterOptions FragmentSettings = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    [ThreadStatic] private static ArrayBufferWriter<byte>? _buffer;
    [ThreadStatic] private static Utf8JsonWriter? _fragmentWriter;

    /// <summary>How many fragments are kept now (tests).</summary>
    public static int Count => Kept.Count;

    public override ConditionViews Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("a view is only written");

    public override void Write(Utf8JsonWriter writer, ConditionViews value, JsonSerializerOptions options)
    {
        var keeps = ReferenceEquals(writer.Options.Encoder, JavaScriptEncoder.UnsafeRelaxedJsonEscaping) && !writer.Options.Indented;
        writer.WriteStartArray();
        var explained = value.Explained;
        for (var i = 0; i < explained.Count; i++) // by index: no enumerator per answer
        {
            var condition = explained[i];
            if (!keeps || !WorthKeeping(condition))
            {
                JsonSerializer.Serialize(writer, EligibilityViews.Condition(condition), GatewayJsonContext.Default.ConditionView);
            }
            else
            {
                writer.WriteRawValue(Kept.TryGetValue(condition, out var kept) ? kept : Keep(condition), skipInputValidation: true);
            }
        }

        writer.WriteEndArray();
    }

    /// <summary>Whether the condition is likely to recur for other enterprises (see the remarks).</summary>
    public static bool WorthKeeping(V1.ConditionExplanation condition) =>
        !condition.HasActual || condition.Cert is not null
        || (FieldCatalog.TryGet(condition.Field, out var field)
            && field.Type switch
            {
                FieldType.Code or FieldType.Set or FieldType.Bool => true,
                FieldType.Text => field.AllowedValues is not null,
                _ => false,
            });

    private static byte[] Keep(V1.ConditionExplanation condition)
    {
        var buffer = _buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var fragment = _fragmentWriter ??= new Utf8JsonWriter(buffer, FragmentSettings);
        fragment.Reset(buffer);
        JsonSerializer.Serialize(fragment, EligibilityViews.Condition(condition), GatewayJsonContext.Default.ConditionView);
        fragment.Flush();
        return Kept.Keep(KeyOf(condition), buffer.WrittenSpan.ToArray());
    }

    /// <summary>
    /// A copy of the message's own fields, so the key never changes under the dictionary; the operands, shared per
    /// policy version and never changed, by reference (compared by reference first, deeply only if another instance).
    /// </summary>
    private static V1.ConditionExplanation KeyOf(V1.ConditionExplanation c)
    {
        var key = new V1.ConditionExplanation
        {
            Path = c.Path, Field = c.Field, Op = c.Op, Expected = c.Expected, Result = c.Result, Text = c.Text, Source = c.Source, SourceBy = c.SourceBy, Cert = c.Cert,
        };
        if (c.HasActual) { key.Actual = c.Actual; }
        return key;
    }

    /// <summary>
    /// Equal when every field is (the message's own equality); hashed by the sentence and the path's length only,
    /// which nearly always tell two conditions apart, at a fraction of the cost of hashing every field.
    /// </summary>
    private sealed class BySentence : IEqualityComparer<V1.ConditionExplanation>
    {
        public static readonly BySentence Instance = new();

        public bool Equals(V1.ConditionExplanation? x, V1.ConditionExplanation? y) => x is null ? y is null : x.Equals(y);

        // XxHash3 over the sentence's UTF-16 bytes: a few times cheaper than string's own (randomised) hash at this
        // length, and a hash that flooding could degrade only costs a slower lookup of what a backend itself wrote.
        public int GetHashCode(V1.ConditionExplanation condition) =>
            (int)System.IO.Hashing.XxHash3.HashToUInt64(System.Runtime.InteropServices.MemoryMarshal.AsBytes(condition.Text.AsSpan()), condition.Path.Length);
    }
}
