using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Tracing;
using System.Linq;
using System.Threading;

namespace AnarchoRedis.Benchmarks;

/// <summary>
/// A poor man's allocation profiler (no dotnet-trace here): listens in-process to the runtime's GC AllocationTick
/// event, which fires about every 100 KB allocated and names the type of the object that crossed the threshold.
/// Summed per type it estimates who allocates what. Sampling, so only types that allocate a lot show reliably.
/// </summary>
internal sealed class AllocationProfiler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytesByType = new(StringComparer.Ordinal);
    private int _active;

    public void Start()
    {
        _bytesByType.Clear();
        Volatile.Write(ref _active, 1);
    }

    public IReadOnlyList<(string Type, double Share)> Stop(int top)
    {
        Volatile.Write(ref _active, 0);
        var total = (double)Math.Max(1, _bytesByType.Values.Sum());
        return _bytesByType.OrderByDescending(p => p.Value).Take(top).Select(p => (p.Key, p.Value / total)).ToList();
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (Volatile.Read(ref _active) == 0 || eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.Payload is null)
        {
            return;
        }

        var typeIndex = eventData.PayloadNames?.IndexOf("TypeName") ?? -1;
        var amountIndex = eventData.PayloadNames?.IndexOf("AllocationAmount64") ?? -1;
        if (amountIndex < 0)
        {
            amountIndex = eventData.PayloadNames?.IndexOf("AllocationAmount") ?? -1;
        }

        var type = typeIndex >= 0 ? eventData.Payload[typeIndex] as string ?? "?" : "?";
        var amount = amountIndex >= 0 ? Convert.ToInt64(eventData.Payload[amountIndex], System.Globalization.CultureInfo.InvariantCulture) : 0;
        _bytesByType.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }
}
