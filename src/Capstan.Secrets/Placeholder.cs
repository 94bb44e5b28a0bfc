namespace Capstan.Secrets;
