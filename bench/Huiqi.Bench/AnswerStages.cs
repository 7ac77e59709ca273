using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Huiqi.Backend.Mapping;
using Huiqi.Domain.Common;
using Huiqi.Domain.Matching;
using Huiqi.Domain.Policies;
using Huiqi.Domain.Population;
using Huiqi.Gateway.Eligibility;
using Huiqi.Storage.Demo;
using V1 = Huiqi.Contracts.V1;

namespace Huiqi.Bench;

/// <summary>
/// `-- answer`: what one uncached GET /v1/me/eligibility costs the application itself, stage by stage, in one process
/// (no network): the match with every condition explained, domain → protobuf, protobuf write and read (the gRPC hop's
/// payload — only in a split deployment: the embedded gateway hands the message over in process), the gateway's views
/// and its JSON. The rest of a request's time is HTTP, gRPC and the kernel.
/// </summary>
public static class AnswerStages
{
    public static void Run(int population = 10_000, int enterprises = 1_000, int rounds = 25)
    {
        var profiles = new PopulationGenerator(1).Generate(population).ToList();
        var policies = DemoSeeder.Policies().Select(d => d.Policy with { Status = PolicyStatus.Published }).ToList();
        var index = EligibilityIndex.Build(profiles, policies);
        var byId = policies.ToDictionary(p => p.Id);
        var asOf = Dates.TodayInChina();
        // The gateway's JSON settings (GatewayExtensions.ConfigureJson): nulls left out, Chinese as text.
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Huiqi.Gateway.GatewayExtensions.ConfigureJson(json);
        var usccs = profiles.Select(p => p.Uscc).Take(enterprises).ToArray();
        var stages = new long[7];
        long protoBytes = 0, jsonBytes = 0;
        for (var round = 0; round < rounds; round++)
        {
            var last = round == rounds - 1; // the earlier rounds warm the JIT up
            foreach (var uscc in usccs)
            {
                var t0 = Stopwatch.GetTimestamp();
                var answers = index.MatchEnterprise(uscc, asOf, explain: true)!;
                var t1 = Stopwatch.GetTimestamp();
                var response = new V1.MatchEnterpriseResponse { Uscc = uscc, AsOf = Dates.Format(asOf) };
                response.Answers.AddRange(answers.Select(a => PolicyMapping.ToProto(a, byId[a.PolicyId])));
                var t2 = Stopwatch.GetTimestamp();
                var wire = Google.Protobuf.MessageExtensions.ToByteArray(response);
                var t3 = Stopwatch.GetTimestamp();
                var read = V1.MatchEnterpriseResponse.Parser.ParseFrom(wire);
                var t4 = Stopwatch.GetTimestamp();
                var views = read.Answers.Select(EligibilityViews.Answer).ToList();
                var t5 = Stopwatch.GetTimestamp();
                // As the answer routes write it (GeneratedJson), then through the options as every other route does.
                var body = Huiqi.Gateway.Http.GeneratedJson.Bytes(new EligibilityView(uscc, read.AsOf, 0, "", views, null), Huiqi.Gateway.Http.GatewayJsonContext.Default.EligibilityView);
                var t6 = Stopwatch.GetTimestamp();
                GC.KeepAlive(JsonSerializer.SerializeToUtf8Bytes(new EligibilityView(uscc, read.AsOf, 0, "", views, null), json));
                var t7 = Stopwatch.GetTimestamp();
                if (last)
                {
                    long[] spans = [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6];
                    for (var i = 0; i < spans.Length; i++) { stages[i] += spans[i]; }
                    protoBytes += wire.Length;
                    jsonBytes += body.Length;
                }
            }
        }

        string[] names = ["match_explain_us", "to_proto_us", "proto_write_us", "proto_read_us", "views_us", "json_us", "json_through_options_us"];
        double Micro(long ticks) => ticks * 1e6 / Stopwatch.Frequency / usccs.Length;
        Console.WriteLine($"machine={Environment.ProcessorCount} cores, .NET {Environment.Version}; population={population} policies={policies.Count} enterprises={usccs.Length}, last of {rounds} rounds");
        for (var i = 0; i < names.Length; i++) { Console.WriteLine($"{names[i]}={Micro(stages[i]):F1}"); }
        Console.WriteLine($"total_us={Micro(stages[..6].Sum()):F1}"); // the path as the gateway takes it, without the comparison
        Console.WriteLine($"proto_bytes={protoBytes / usccs.Length} json_bytes={jsonBytes / usccs.Length}");
    }
}
