using Huiqi.Domain.Serialization;
using Huiqi.Storage.Store;

namespace Huiqi.Application.Policies;

/// <summary>A policy version's entity tag: changes whenever the version's document or status changes.</summary>
public static class PolicyEtags
{
    public static string Of(PolicyRecord record, string documentJson) =>
        $"\"{record.Policy.Id}-{record.Policy.Version}-{ProfileJson.FingerprintOf(documentJson)[..12]}-{(int)record.Policy.Status}\"";

    public static string Of(PolicyRecord record) => Of(record, PolicyJson.Serialize(record.Document));
}
