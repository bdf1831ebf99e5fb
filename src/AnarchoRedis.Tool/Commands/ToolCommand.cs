using System;
using System.Threading;
using System.Threading.Tasks;
using Spectre.Console.Cli;

namespace AnarchoRedis.Tool.Commands;

/// <summary>Connects, runs the command, disconnects; a usage error is exit code 2 and Ctrl+C is 130.</summary>
internal abstract class ToolCommand<TSettings>(NodeConnector connector, Output output) : AsyncCommand<TSettings>
    where TSettings : ToolSettings
{
    protected Output Output => output;

    public sealed override async Task<int> ExecuteAsync(CommandContext context, TSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            await using var client = await connector.ConnectAsync(settings, cancellationToken).ConfigureAwait(false);
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
