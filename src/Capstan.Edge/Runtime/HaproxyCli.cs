using System.Net.Sockets;
using System.Text;

namespace Capstan.Edge.Runtime;

/// <summary>
/// One command on one of HAProxy's CLI sockets (the runtime API's <c>admin.sock</c> or the master's
/// <c>master.sock</c>): connect, write the command and a newline, close the writing side, read to end of stream.
/// HAProxy closes a non-interactive connection after answering, so no framing is needed, and one connection per
/// command keeps a failed command from leaving a session in a half-read state.
/// </summary>
internal static class HaproxyCli
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The answer; null when nothing listens on the socket (not started yet, restarting, gone).</summary>
    /// <exception cref="EdgeException">HAProxy accepted but did not answer within <paramref name="timeout"/>.</exception>
    public static async Task<string?> TrySendAsync(string socketPath, string command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (command.Contains('\n', StringComparison.Ordinal))
        {
            throw new ArgumentException("a CLI command is one line", nameof(command));
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), limit.Token).ConfigureAwait(false);
            await socket.SendAsync(Encoding.UTF8.GetBytes(command + "\n"), SocketFlags.None, limit.Token).ConfigureAwait(false);

            // The master CLI answers only once the client's side is closed; the runtime API does not mind.
            socket.Shutdown(SocketShutdown.Send);
            using var answer = new MemoryStream();
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token).ConfigureAwait(false)) > 0)
            {
                answer.Write(buffer, 0, read);
            }

            return Encoding.UTF8.GetString(answer.GetBuffer(), 0, (int)answer.Length);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable
                                            or SocketError.ConnectionReset or SocketError.Shutdown
                                        || !File.Exists(socketPath))
        {
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EdgeException($"HAProxy did not answer '{command}' on {socketPath} within {timeout.TotalSeconds:0.#} s.");
        }
    }

    /// <exception cref="EdgeException">Nothing listens on the socket, or HAProxy did not answer in time.</exception>
    public static async Task<string> SendAsync(string socketPath, string command, TimeSpan timeout, CancellationToken cancellationToken) =>
        await TrySendAsync(socketPath, command, timeout, cancellationToken).ConfigureAwait(false)
        ?? throw new EdgeException($"HAProxy does not answer on {socketPath} (is it running?); the command was '{command}'.");
}
