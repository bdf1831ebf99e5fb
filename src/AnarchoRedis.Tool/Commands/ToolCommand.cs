using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Spectre.Console.Cli;

namespace AnarchoRedis.Tool.Commands;

/// <summary>Connects, runs the command, disconnects; a usage error is exit code 2 and Ctrl+C is 130.</summary>
internal abstract class ToolCommand<TSettings>(NodeConnector connector, Output output) : AsyncCommand<TSettings>
    where TSettings : ToolSettings
{
    protected Output Output => output;

    /// <summary>Whether the command is meaningless on nodes that hold no epoch at all (wrong options, or unused nodes).</summary>
    protected virtual bool NeedsEpochs => true;

    public sealed override async Task<int> ExecuteAsync(CommandContext context, TSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            await using var client = await connector.ConnectAsync(settings, cancellationToken).ConfigureAwait(false);
            if (NeedsEpochs && client.Health.All(h => h.EpochId is null) && client.Health.Any(h => h.State != NodeHealthState.Open))
            {
                // Nodes that answer but hold no epoch under the configured key: nothing of this library is there, or the
                // application uses other key names. Comparing would find the default names empty and call them in sync.
                throw new UsageException(
                    $"No node holds an AnarchoRedis epoch under '{client.Options.EpochKey}': no application has used these nodes yet, " +
                    "or the application's options name other keys (EpochKey, MetaKeyPrefix, SlotKeyPrefix): pass --config with its appsettings file.");
            }

            return await RunAsync(client, settings, cancellationToken).ConfigureAwait(false);
        }
        catch (UsageException ex)
        {
            output.Error(ex.Message);
            return ExitCodes.UnreachableOrUsage;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Cancelled;
        }
    }

    protected abstract Task<int> RunAsync(AnarchoRedisClient client, TSettings settings, CancellationToken cancellationToken);
}
