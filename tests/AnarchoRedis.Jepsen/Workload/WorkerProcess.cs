using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Jepsen.History;

namespace AnarchoRedis.Jepsen.Workload;

/// <summary>
/// The <c>worker</c> mode: runs several client instances until the orchestrator writes <c>stop</c> (or closes) its
/// standard input, then lets each finish its current operation and exits.
/// </summary>
public static class WorkerProcess
{
    public static async Task<int> RunAsync(WorkloadSettings settings)
    {
        using var history = new HistoryFile(settings.HistoryPath);
        var clients = new List<WorkloadClient>();
        for (var c = 0; c < settings.Clients; c++)
        {
            clients.Add(new WorkloadClient(settings, c, history));
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
