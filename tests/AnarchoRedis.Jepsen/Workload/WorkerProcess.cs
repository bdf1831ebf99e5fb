using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Jepsen.History;

namespace AnarchoRedis.Jepsen.Workload;

/// <summary>
/// The <c>worker</c> mode: runs several client instances until the orchestrator writes <c>stop</c> (or closes) its
/// standard input, then lets each finish its current operation and exits. Other lines from the nemesis:
/// <c>renew</c> (every client replaces its <see cref="AnarchoRedisClient"/> with a fresh one before its next
/// operation) and <c>clock N</c> (the process' clock runs N ms ahead of the system clock from now on; 0 resets it).
/// </summary>
public static class WorkerProcess
{
    public static async Task<int> RunAsync(WorkloadSettings settings)
    {
        using var history = new HistoryFile(settings.HistoryPath);
        var clock = new ShiftableTimeProvider();
        var clients = new List<WorkloadClient>();
        for (var c = 0; c < settings.Clients; c++)
        {
            clients.Add(new WorkloadClient(settings, c, history, clock));
        }

        using var stop = new CancellationTokenSource();
        await Task.WhenAll(clients.Select(c => c.WarmUpAsync(stop.Token)));
        Console.Out.WriteLine("ready");
        Console.Out.Flush();

        var stdin = Task.Run(() =>
        {
            string? line;
            while ((line = Console.In.ReadLine()) is not null && line.Trim() != "stop")
            {
                var words = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words is ["renew"])
                {
                    foreach (var client in clients)
                    {
                        client.RequestRenew();
                    }
                }
                else if (words is ["clock", var offset] && long.TryParse(offset, System.Globalization.CultureInfo.InvariantCulture, out var ms))
                {
                    clock.OffsetMs = ms;
                }
            }

            stop.Cancel();
        });

        await Task.WhenAll(clients.Select(c => Task.Run(() => c.RunAsync(stop.Token))));
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }

        Console.Out.WriteLine("done");
        return 0;
    }
}
