using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Diagnostics;

/// <summary>
/// The library's instrument names and units are public (dashboards and alerts use them): this list is the contract,
/// and each name follows OpenTelemetry's naming conventions (docs/observability.md).
/// </summary>
public sealed class InstrumentNameTests
{
    private static readonly Dictionary<string, string> Expected = new(StringComparer.Ordinal)
    {
        ["anarchoredis.operations"] = "{operation}",
        ["anarchoredis.operation.duration"] = "s",
        ["anarchoredis.read_repairs"] = "{repair}",
        ["anarchoredis.read.hedges"] = "{node}",
        ["anarchoredis.list_repairs"] = "{repair}",
        ["anarchoredis.node.errors"] = "{error}",
        ["anarchoredis.node.missed_writes"] = "{write}",
        ["anarchoredis.node.circuit_transitions"] = "{transition}",
        ["anarchoredis.node.epoch_events"] = "{event}",
        ["anarchoredis.node.retries"] = "{retry}",
        ["anarchoredis.operation.pop_retries"] = "{round}",
        ["anarchoredis.node.state"] = "1",
        ["anarchoredis.node.latency"] = "s",
        ["anarchoredis.clock.skew_events"] = "{version}",
        ["anarchoredis.antientropy.passes"] = "{pass}",
        ["anarchoredis.antientropy.pass.duration"] = "s",
        ["anarchoredis.antientropy.slot.divergent"] = "{slot}",
        ["anarchoredis.antientropy.key.compared"] = "{key}",
        ["anarchoredis.antientropy.repairs"] = "{key}",
        ["anarchoredis.antientropy.purges"] = "{tombstone}",
        ["anarchoredis.antientropy.problems"] = "{problem}",
        ["anarchoredis.hint.recorded"] = "{hint}",
        ["anarchoredis.hint.replayed"] = "{hint}",
        ["anarchoredis.hint.dropped"] = "{hint}",
        ["anarchoredis.hint.pending"] = "{hint}",
    };

    /// <summary>The namespaces in use, each singular (a new one is added here deliberately).</summary>
    private static readonly string[] SingularNamespaces = ["operation", "read", "node", "clock", "antientropy", "pass", "slot", "key", "hint"];

    private static List<Instrument> PublishedInstruments()
    {
        var published = new List<Instrument>();
        using var metrics = new AnarchoRedisMetrics();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                lock (published)
                {
                    if (ReferenceEquals(instrument.Meter, metrics.Meter))
                    {
                        published.Add(instrument);
                    }
                }
            },
        };
        listener.Start();
        _ = new HintMetrics(metrics.Meter, static () => []);
        metrics.ObserveNodes([]);
        listener.RecordObservableInstruments();
        return published;
    }

    [Fact]
    public void The_meter_publishes_exactly_the_documented_instruments_with_their_units()
    {
        var published = PublishedInstruments().ToDictionary(i => i.Name, i => i.Unit ?? string.Empty, StringComparer.Ordinal);
        Assert.Equal(Expected.OrderBy(p => p.Key, StringComparer.Ordinal), published.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void Every_name_follows_OpenTelemetry_naming()
    {
        foreach (var instrument in PublishedInstruments())
        {
            // Lowercase, dot-separated namespaces, snake_case words, no empty part.
            Assert.Matches(new Regex("^anarchoredis(\\.[a-z][a-z0-9]*(_[a-z0-9]+)*)+$"), instrument.Name);

            // Counters are not suffixed _total (Prometheus adds it); namespaces are not plural.
            Assert.DoesNotContain("total", instrument.Name, StringComparison.Ordinal);
            var parts = instrument.Name.Split('.');
            Assert.All(parts[1..^1], part => Assert.Contains(part, SingularNamespaces));

            // Units are UCUM: seconds for every duration and time, curly-brace annotations (singular) or 1 for the rest.
            Assert.Matches(new Regex("^(s|1|\\{[a-z_]+\\})$"), instrument.Unit ?? string.Empty);
            if (instrument is Histogram<double> || instrument.Name.EndsWith(".duration", StringComparison.Ordinal) || instrument.Name.EndsWith(".latency", StringComparison.Ordinal))
            {
                Assert.Equal("s", instrument.Unit);
            }
        }
    }
}
