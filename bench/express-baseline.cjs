// The design the specification started from: Express with the helper library's twilio.webhook()
// middleware, answering each inbound SMS with an echo in TwiML. Started by bench/webhooks.mjs.
const express = require('express');
const twilio = require('twilio');

const [, , port, token, publicUrl] = process.argv;
const app = express();
app.post('/telephony/webhook', express.urlencoded({ extended: false }), twilio.webhook(token, { url: `${publicUrl}/telephony/webhook` }), (req, res) => {
  const twiml = new twilio.twiml.MessagingResponse();
  twiml.message(`echo: ${req.body.Body}`);
  res.type('text/xml').send(twiml.toString());
});
const server = app.listen(Number(port), '127.0.0.1', () => console.log(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
