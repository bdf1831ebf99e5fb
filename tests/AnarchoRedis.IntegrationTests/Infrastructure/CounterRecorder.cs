using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;

namespace AnarchoRedis.IntegrationTests.Infrastructure;

/// <summary>Sums the measurements of one counter of one client (its own meter factory), in total and by tag value.</summary>
public sealed class CounterRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _byTag = new(StringComparer.Ordinal);
    private long _total;

    /// <summary>Starts listening to <paramref name="instrument"/> of the meters <paramref name="scope"/> made.</summary>
    /// <param name="scope">The client's meter factory.</param>
    /// <param name="instrument">The counter's name, e.g. <c>anarchoredis.clock.skew_events</c>.</param>
    public CounterRecorder(IMeterFactory scope, string instrument)
    {
        _listener.InstrumentPublished = (published, listener) =>
        {
            if (published.Name == instrument && ReferenceEquals(published.Meter.Scope, scope))
            {
                listener.EnableMeasurementEvents(published);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            System.Threading.Interlocked.Add(ref _total, value);
            foreach (var tag in tags)
            {
                _byTag.AddOrUpdate($"{tag.Key}={tag.Value}", value, (_, old) => old + value);
            }
        });
        _listener.Start();
    }

    /// <summary>The sum of every measurement.</summary>
    public long Total => System.Threading.Interlocked.Read(ref _total);

    /// <summary>The sum of the measurements tagged <paramref name="key"/> = <paramref name="value"/>.</summary>
    public long Tagged(string key, string value) => _byTag.GetValueOrDefault($"{key}={value}");

    /// <summary>Every tag seen, with its sum (for failure messages).</summary>
    public override string ToString() => string.Join(", ", _byTag.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {p.Value}"));

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();
}
